/** System packages: git and a Python with venv and pip are required; rclone and aria2 are reported. */
import { run } from "../../comfyui-control/python/run.js";
import type { DeployStepDefinition, StepContext } from "../context.js";
import { DeployStepError } from "../context.js";

export const systemPackagesStep: DeployStepDefinition = {
  id: "system_packages",
  kind: "check",
  inputs: () => Promise.resolve({}),
  async run(context) {
    const missing: string[] = [];
    for (const [name, file, args, required] of [
      ["git", "git", ["--version"], true],
      ["python3", context.settings.basePython, ["--version"], context.settings.adoptedPython === null],
      ["python3 venv", context.settings.basePython, ["-c", "import venv, ensurepip"], context.settings.adoptedPython === null],
      ["rclone", "rclone", ["version"], false],
      ["aria2", "aria2c", ["--version"], false],
    ] as const) {
      const version = await probe(context, file, args);
      context.line(`${name}: ${version ?? "missing"}`);
      if (version === null && required) {
        missing.push(name);
      }
    }
    if (missing.length > 0) {
      throw new DeployStepError("packages_missing", `Missing system packages: ${missing.join(", ")}. Install them (apt-get install git python3 python3-venv) or rerun bootstrap.sh, then retry.`);
    }
    return {};
  },
};

async function probe(context: StepContext, file: string, args: readonly string[]): Promise<string | null> {
  try {
    const result = await run(file, args, { cwd: context.settings.workspaceDir, timeoutMs: 30_000, signal: context.signal });
    return result.exitCode === 0 ? (result.stdout.split("\n")[0] ?? "").trim() || "present" : null;
  } catch {
    return null;
  }
}
