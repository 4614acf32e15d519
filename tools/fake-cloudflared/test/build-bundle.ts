import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Vitest global setup: bundles the fake before any test spawns it. */
export default function setup(): void {
  const packageDir = fileURLToPath(new URL("..", import.meta.url));
  execFileSync(process.execPath, ["build.mjs"], { cwd: packageDir, stdio: "inherit" });
}
