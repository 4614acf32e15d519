/**
 * Child processes of deploy steps (git, pip, python). Each runs in its own process group and
 * is recorded in the deploy store before the engine waits on it. After a kill -9 of the
 * reporter, the next deploy finds survivors by pid and kernel start time and ends their group.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";

import type { Logger } from "../log/logger.js";
import { childEnv } from "../comfyui-control/python/run.js";
import type { DeployStore } from "./store.js";

export interface ChildResult {
  exitCode: number | null;
  signal: string | null;
  /** The last lines of stdout and stderr together, for error messages. */
  tail: string[];
}

export interface RunChildOptions {
  cwd: string;
  stepId: string;
  /** Receives each output line (stdout and stderr) as it arrives. */
  onLine: (line: string) => void;
  signal: AbortSignal;
  env?: Record<string, string>;
}

const TAIL_LINES = 30;

/** Reads field 22 of /proc/<pid>/stat (start time in clock ticks since boot); null when the process is gone. */
export async function startTicks(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // The command name (field 2) may hold spaces and parentheses, so fields are counted after its closing ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** Runs `file` with `args` (never a shell) in a new process group; resolves when it exits. */
export async function runChild(store: DeployStore, file: string, args: readonly string[], options: RunChildOptions): Promise<ChildResult> {
  const child = spawn(file, args, {
    cwd: options.cwd,
    env: options.env ?? childEnv(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const tail: string[] = [];
  const exited = new Promise<ChildResult>((resolve) => {
    child.once("error", (error) => resolve({ exitCode: null, signal: null, tail: [`${file} could not start: ${error.message}`] }));
    child.once("close", (exitCode, signal) => resolve({ exitCode, signal, tail }));
  });

  for (const stream of [child.stdout, child.stderr]) {
    let partial = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const lines = (partial + chunk).split(/\r?\n|\r/);
      partial = lines.pop() ?? "";
      for (const line of lines) {
        keep(tail, line);
        options.onLine(line);
      }
    });
    stream.on("end", () => {
      if (partial !== "") {
        keep(tail, partial);
        options.onLine(partial);
      }
    });
  }

  const pid = child.pid;
  if (pid !== undefined) {
    store.recordChild({ pid, startTicks: (await startTicks(pid)) ?? "", stepId: options.stepId, command: [file, ...args].join(" ").slice(0, 500) });
  }
  const onAbort = (): void => {
    if (pid !== undefined) {
      killGroup(pid, "SIGTERM");
    }
  };
  options.signal.addEventListener("abort", onAbort, { once: true });

  try {
    return await exited;
  } finally {
    options.signal.removeEventListener("abort", onAbort);
    if (pid !== undefined) {
      store.forgetChild(pid);
    }
  }
}

function keep(tail: string[], line: string): void {
  if (line.trim() === "") {
    return;
  }
  tail.push(line);
  if (tail.length > TAIL_LINES) {
    tail.shift();
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

/**
 * Ends the process groups of children recorded by an earlier reporter that are still alive
 * (same pid and same start time): SIGTERM, then SIGKILL after 5 s. Returns the pids ended.
 */
export async function endSurvivors(store: DeployStore, log: Logger): Promise<number[]> {
  const ended: number[] = [];
  for (const child of store.children()) {
    const ticks = await startTicks(child.pid);
    if (ticks !== null && ticks === child.startTicks) {
      log.warn({ pid: child.pid, step: child.stepId, command: child.command }, "ending a deploy child left running by an earlier reporter");
      killGroup(child.pid, "SIGTERM");
      for (let waited = 0; waited < 5_000 && (await startTicks(child.pid)) === ticks; waited += 100) {
        await sleep(100);
      }
      if ((await startTicks(child.pid)) === ticks) {
        killGroup(child.pid, "SIGKILL");
      }
      ended.push(child.pid);
    }
    store.forgetChild(child.pid);
  }
  return ended;
}
