// System packages the test suites need, installed with apt-get when they are missing and
// we run as root on Debian; otherwise the exact command to run is printed. Plain
// JavaScript so it runs on the machine's own Node before dependencies are installed.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** Debian packages and a file that proves each is installed. */
const TEST_PACKAGES = [
  { name: "chromium", probe: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" },
  { name: "fonts-wqy-microhei", probe: "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc" },
  { name: "rclone", probe: "/usr/bin/rclone" },
  { name: "aria2", probe: "/usr/bin/aria2c" },
  { name: "git", probe: "/usr/bin/git" },
  // The deploy tests build a real venv with `python3 -m venv`, which needs ensurepip.
  { name: "python3-venv", probe: "/usr/share/doc/python3-venv" },
  { name: "ffmpeg", probe: "/usr/bin/ffmpeg" },
];

/** Installs the test packages that are missing, or exits with the command to run. */
export function ensureTestPackages() {
  const missing = TEST_PACKAGES.filter((entry) => !existsSync(entry.probe)).map((entry) => entry.name);
  if (missing.length === 0) {
    return;
  }
  const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(" ")}`;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !existsSync("/usr/bin/apt-get")) {
    console.error(`[comfycarry] the tests need these system packages: ${missing.join(", ")}.\nInstall them as root, e.g.: ${command}`);
    process.exit(1);
  }
  console.log(`[comfycarry] installing system packages for the tests: ${missing.join(", ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  for (const args of [["update", "-qq"], ["install", "-y", "-qq", "--no-install-recommends", ...missing]]) {
    const result = spawnSync("apt-get", args, { stdio: "inherit", env });
    if (result.status !== 0) {
      console.error(`[comfycarry] apt-get ${args[0]} failed; run this and retry: ${command}`);
      process.exit(result.status ?? 1);
    }
  }
}
