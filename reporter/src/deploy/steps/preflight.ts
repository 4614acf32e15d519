/** Preflight: checks that fail fast before anything is installed. Only a hard blocker fails the step. */
import { statfs } from "node:fs/promises";
import { createServer } from "node:net";
import { dirname } from "node:path";

import { comfyuiPort } from "../../comfyui-control/settings.js";
import type { DeployStepDefinition, StepContext } from "../context.js";
import { DeployStepError } from "../context.js";

export const preflightStep: DeployStepDefinition = {
  id: "preflight",
  kind: "check",
  inputs: () => Promise.resolve({}),
  async run(context) {
    await checkDisk(context);
    checkGpu(context);
    checkTokens(context);
    await checkRemote(context);
    await checkPort(context);
    return {};
  },
};

async function checkDisk(context: StepContext): Promise<void> {
  const { workspaceDir, minFreeBytes } = context.settings;
  const stats = await statfs(workspaceDir).catch(() => statfs(dirname(workspaceDir)));
  const free = stats.bavail * stats.bsize;
  context.line(`disk: ${gib(free)} GiB free in ${workspaceDir}`);
  if (free < minFreeBytes) {
    throw new DeployStepError("disk_full", `Only ${gib(free)} GiB are free in ${workspaceDir}; a deploy needs ${gib(minFreeBytes)} GiB. Free some space or rent a larger disk.`);
  }
}

function checkGpu(context: StepContext): void {
  const gpus = context.deps.gpus();
  if (gpus.length === 0) {
    context.line("GPU: none visible; ComfyUI will need --cpu or a GPU");
    return;
  }
  for (const gpu of gpus) {
    context.line(`GPU ${gpu.index}: ${gpu.name}, compute capability ${gpu.compute_capability ?? "unknown"}`);
  }
}

function checkTokens(context: StepContext): void {
  const tokens = context.deps.tokens();
  context.line(`tokens: CivitAI ${tokens.civitai ? "set" : "not set"}, Hugging Face ${tokens.huggingface ? "set" : "not set"}`);
}

async function checkRemote(context: StepContext): Promise<void> {
  const { remote, mode, sync_presets: presets } = context.request;
  if (remote === null) {
    if (mode === "restore" || presets.length > 0) {
      throw new DeployStepError("remote_missing", "A restore and sync presets need a remote; choose one in the remote storage step.");
    }
    return;
  }
  if (context.deps.sync === null) {
    throw new DeployStepError("sync_unavailable", `Remote "${remote}" is chosen but cloud sync is off on this instance; turn it on (COMFYCARRY_SYNC) or choose no remote.`);
  }
  const problem = await context.deps.sync.checkRemote(remote);
  if (problem !== null) {
    throw new DeployStepError("remote_unreachable", `Remote "${remote}" is not usable: ${problem}. Check rclone.conf in the remote storage step.`);
  }
  context.line(`remote: ${remote} answers`);
}

async function checkPort(context: StepContext): Promise<void> {
  const port = comfyuiPort(context.deps.control.settings);
  if (await portFree(port)) {
    context.line(`port ${port}: free`);
    return;
  }
  const status = await context.deps.control.process.status();
  context.line(status.pid === null ? `port ${port}: held by another process; the start step ends it if it is an orphan ComfyUI` : `port ${port}: held by ComfyUI (pid ${status.pid})`);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function gib(bytes: number): string {
  return (bytes / 1024 ** 3).toFixed(1);
}
