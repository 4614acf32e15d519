/**
 * Installing requirements with ComfyUI's Python under the torch constraints: the torch
 * packages installed now are pinned, so a node pack or a ComfyUI version cannot swap the
 * CUDA build of torch. Deploy uses the same constraints file.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";
import writeFileAtomic from "write-file-atomic";

import type { ControlSettings } from "../settings.js";
import { describeEnd, run } from "./run.js";

/** Packages whose installed builds are pinned; each is tied to the CUDA version. */
const PINNED = /^(torch|torchvision|torchaudio|xformers|triton)==/i;

const PIP_TIMEOUT_MS = 30 * 60_000;

export function constraintsFile(settings: ControlSettings): string {
  return join(settings.stateDir, "torch-constraints.txt");
}

/** Writes the constraints file from `pip freeze` and returns its path. */
export async function writeTorchConstraints(settings: ControlSettings, signal?: AbortSignal): Promise<string> {
  const result = await run(settings.python, ["-m", "pip", "freeze"], { cwd: settings.comfyuiDir, timeoutMs: 120_000, ...(signal === undefined ? {} : { signal }) });
  if (result.exitCode !== 0) {
    throw new ComfyCarryError("command_failed", `"${settings.python} -m pip freeze" ${describeEnd(result)}: ${result.stderrTail}`);
  }
  const pins = result.stdout.split("\n").filter((line) => PINNED.test(line.trim()));
  const file = constraintsFile(settings);
  await mkdir(dirname(file), { recursive: true });
  await writeFileAtomic(file, `${pins.join("\n")}\n`);
  return file;
}

/** Installs `requirements` (a file path) if it exists; returns whether pip ran. */
export async function installRequirements(settings: ControlSettings, requirements: string, signal?: AbortSignal): Promise<boolean> {
  if (!existsSync(requirements)) {
    return false;
  }
  const constraints = await writeTorchConstraints(settings, signal);
  const result = await run(settings.python, ["-m", "pip", "install", "--requirement", requirements, "--constraint", constraints], {
    cwd: dirname(requirements),
    timeoutMs: PIP_TIMEOUT_MS,
    ...(signal === undefined ? {} : { signal }),
  });
  if (result.exitCode !== 0) {
    throw new ComfyCarryError("command_failed", `Installing ${requirements} failed: pip ${describeEnd(result)}. ${result.stderrTail}`.trim(), { file: requirements });
  }
  return true;
}
