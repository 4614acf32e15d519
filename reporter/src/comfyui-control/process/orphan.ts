/** Ending a ComfyUI left over from an earlier start that still holds the port, and nothing else. */
import { basename, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { ComfyCarryError } from "@comfycarry/shared";

import type { Logger } from "../../log/logger.js";
import { listeningPids, portAcceptsConnections, processInfo } from "./port-holder.js";

/**
 * Whether `argv` (run in `cwd`) is ComfyUI's main.py from `comfyuiDir`, or the ComfyUI
 * simulator. Another program on the port is never ended.
 */
export function isComfyuiCommand(argv: readonly string[], cwd: string, comfyuiDir: string): boolean {
  const mainPy = resolve(comfyuiDir, "main.py");
  return argv.some((part) => (basename(part) === "main.py" && resolve(cwd, part) === mainPy) || /comfyui-sim[/\\]dist[/\\]main\.mjs$/.test(part));
}

export interface FreePortOptions {
  port: number;
  comfyuiDir: string;
  /** The pid PM2 runs now, which is not an orphan. */
  ownPid: number | null;
  log: Logger;
}

/**
 * Makes sure nothing listens on the port before ComfyUI starts. A ComfyUI orphan gets
 * SIGTERM, then SIGKILL after 5 s; any other holder is reported and left alone.
 * Returns the pid that was ended, or null when the port was free.
 */
export async function freePort(options: FreePortOptions): Promise<number | null> {
  if (!(await portAcceptsConnections(options.port))) {
    return null;
  }

  const holders = (await listeningPids(options.port)).filter((pid) => pid !== options.ownPid && pid !== process.pid);
  const [holder] = holders;
  if (holder === undefined) {
    throw new ComfyCarryError("command_failed", `Port ${options.port} is in use by a process the reporter cannot see; stop it, or set COMFYUI_URL to another port.`, { port: options.port });
  }
  const info = await processInfo(holder);
  if (info === null || !isComfyuiCommand(info.argv, info.cwd, options.comfyuiDir)) {
    const command = info === null ? "unknown" : info.argv.join(" ").slice(0, 200);
    throw new ComfyCarryError("command_failed", `Port ${options.port} is held by pid ${holder} (${command}), which is not ComfyUI; stop that program or set COMFYUI_URL to another port.`, { port: options.port, pid: holder });
  }

  options.log.warn({ pid: holder, port: options.port, argv: info.argv }, "an orphan ComfyUI holds the port; ending it");
  signal(holder, "SIGTERM");
  if (!(await portFreed(options.port, 5_000))) {
    signal(holder, "SIGKILL");
    await portFreed(options.port, 5_000);
  }
  return holder;
}

/** Sends a signal; a process that already exited is what we wanted anyway. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") {
      throw error;
    }
  }
}

/** Waits until nothing accepts connections on the port; false after `timeoutMs`. */
export async function portFreed(port: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await portAcceptsConnections(port))) {
      return true;
    }
    await sleep(100);
  }
  return false;
}
