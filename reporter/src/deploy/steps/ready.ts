/**
 * Ready: wait until ComfyUI responds to /system_stats, within the time limit. When it keeps
 * exiting instead (a crash loop), the nodes whose import failed are read from its log,
 * moved to custom_nodes/.disabled/ (moving them back re-enables them), and ComfyUI restarts.
 */
import { existsSync } from "node:fs";
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";

import { waitOnline } from "../../comfyui-control/process/readiness.js";
import type { DeployStepDefinition, StepContext } from "../context.js";
import { DeployStepError } from "../context.js";
import { failedImports } from "./crash-log.js";

/** PM2 restarts within one wait that count as a crash loop. */
const CRASH_LOOP_RESTARTS = 2;
/** Nodes disabled in one deploy before the step gives up: more means the fault is elsewhere. */
const MAX_DISABLED = 3;

export const readyStep: DeployStepDefinition = {
  id: "ready",
  kind: "check",
  inputs: () => Promise.resolve({}),
  async run(context) {
    const { control } = context.deps;
    const customNodesDir = join(control.settings.comfyuiDir, "custom_nodes");
    const deadline = Date.now() + context.request.ready_timeout_s * 1000;
    const disabled: string[] = [];

    for (;;) {
      const logStart = await fileSize(control.settings.logFile);
      const before = (await control.process.status()).restarts;
      const outcome = await waitOnline(
        control.settings.comfyuiUrl,
        Math.max(0, deadline - Date.now()),
        async () => {
          const now = await control.process.status();
          return now.restarts - before >= CRASH_LOOP_RESTARTS || now.status === "errored" || now.status === "stopped" ? `ComfyUI exited ${now.restarts - before} times during start-up` : null;
        },
        context.signal,
      );
      const log = await readFrom(control.settings.logFile, logStart);

      if (outcome.online) {
        for (const failure of failedImports(log, customNodesDir)) {
          context.line(`${failure.name}: import failed, ComfyUI runs without its nodes: ${failure.reason}`);
        }
        context.line("ComfyUI answers /system_stats");
        return { disabled: disabled.sort() };
      }

      const culprits = failedImports(log, customNodesDir).filter((failure) => existsSync(join(customNodesDir, failure.name)));
      if (culprits.length === 0 || disabled.length + culprits.length > MAX_DISABLED) {
        const tail = log.split("\n").filter((line) => line.trim() !== "").slice(-5).join(" | ");
        throw new DeployStepError("comfyui_not_ready", `ComfyUI did not become ready: ${outcome.reason}. Last log lines: ${tail || "(none)"}`);
      }
      for (const culprit of culprits) {
        await disableNode(context, customNodesDir, culprit.name, culprit.reason);
        disabled.push(culprit.name);
      }
      context.line(`restarting ComfyUI without ${culprits.map((culprit) => culprit.name).join(", ")}`);
      await control.process.restart(0, context.signal);
    }
  },
};

async function disableNode(context: StepContext, customNodesDir: string, name: string, reason: string): Promise<void> {
  const target = join(customNodesDir, ".disabled", name);
  await mkdir(join(customNodesDir, ".disabled"), { recursive: true });
  await rm(target, { recursive: true, force: true });
  await rename(join(customNodesDir, name), target);
  const why = `ComfyUI kept exiting and its log shows this node's import failed: ${reason}`;
  context.store.saveNodeIssue({ name, kind: "import_failed", reason: why.slice(0, 2000), moved_to: target });
  context.log.warn({ node: name, reason }, "custom node disabled after a crash loop");
  context.line(`${name}: disabled (moved to ${target}) because ${why}`);
}

async function fileSize(path: string): Promise<number> {
  return stat(path).then(
    (found) => found.size,
    () => 0,
  );
}

/** Reads `path` from byte `offset` (at most 1 MiB); a file rotated in between is read from its start. */
async function readFrom(path: string, offset: number): Promise<string> {
  const size = await fileSize(path);
  const start = size < offset ? 0 : offset;
  const length = Math.min(size - start, 1024 * 1024);
  if (length <= 0) {
    return "";
  }
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, start);
    return buffer.toString("utf8");
  } finally {
    await handle.close();
  }
}
