/**
 * pip in ComfyUI's environment under the torch constraints: the installed torch, torchvision,
 * torchaudio, numpy, xformers, triton and nvidia-* builds are pinned, so no custom node or
 * attention library can replace them. pip resolves everything before it installs anything,
 * so a refused requirement leaves the environment as it was.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import { run } from "../comfyui-control/python/run.js";
import type { StepContext } from "./context.js";
import { DeployStepError, describeExit } from "./context.js";

const PINNED = /^(torch|torchvision|torchaudio|numpy|xformers|triton|nvidia-[a-z0-9-]+)==/i;

/** Writes `<state>/constraints.txt` from `pip freeze` of `python` and returns its path. */
export async function writeConstraints(context: StepContext, python: string): Promise<string> {
  const result = await run(python, ["-m", "pip", "freeze", "--all"], { cwd: context.settings.comfyuiDir, timeoutMs: 120_000, signal: context.signal });
  if (result.exitCode !== 0) {
    throw new DeployStepError("pip_failed", `"${python} -m pip freeze" failed (status ${result.exitCode ?? "none"}): ${result.stderrTail}`);
  }
  const pins = result.stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => PINNED.test(line))
    .sort();
  const file = join(context.settings.stateDir, "constraints.txt");
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${pins.join("\n")}\n`);
  context.line(`pinned: ${pins.join(", ") || "(nothing installed to pin)"}`);
  return file;
}

export type PipOutcome = { ok: true } | { ok: false; reason: string };

/** Runs `pip install <args> --constraint <file>`; a failure returns pip's reason instead of throwing. */
export async function pipInstall(context: StepContext, python: string, args: string[], constraints: string, cwd: string): Promise<PipOutcome> {
  const result = await context.run(python, ["-m", "pip", "install", "--no-input", ...args, "--constraint", constraints], cwd);
  if (result.exitCode === 0) {
    return { ok: true };
  }
  return { ok: false, reason: conflictReason(result.tail) ?? `pip ${describeExit(result)}: ${result.tail.slice(-3).join(" | ")}` };
}

/**
 * Names the requirement in a pip resolution failure, from the block pip 23 prints:
 * "The conflict is caused by:" followed by one line per requirement.
 */
export function conflictReason(lines: string[]): string | null {
  const start = lines.findIndex((line) => line.includes("The conflict is caused by"));
  if (start >= 0) {
    const causes = lines
      .slice(start + 1)
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("To fix") && !/^\d\./.test(line) && !line.startsWith("ERROR"));
    return `conflicting requirements: ${causes.join("; ")}`;
  }
  const noMatch = lines.find((line) => line.includes("No matching distribution found for") || line.includes("Could not find a version that satisfies"));
  return noMatch === undefined ? null : noMatch.replace(/^ERROR:\s*/, "").trim();
}
