import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { basename } from "node:path";

/** Builds the argument that marks an aria2c as ours, because its session file lives in our state directory. */
export function sessionArgument(sessionPath: string): string {
  return `--save-session=${sessionPath}`;
}

/** Returns the pids of running aria2c processes started with `marker` (Linux /proc). */
export async function findAria2Processes(marker: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir("/proc");
  } catch {
    // NOTE: without /proc (macOS dev machines) leftovers are not found; aria2's
    // --stop-with-process still ends them within about a second of the old reporter's death.
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) {
      continue;
    }
    const argv: string[] = await readFile(`/proc/${entry}/cmdline`, "utf8").then(
      (text) => text.split("\0"),
      () => [],
    );
    if (basename(argv[0] ?? "").startsWith("aria2c") && argv.includes(marker)) {
      pids.push(Number(entry));
    }
  }
  return pids;
}

/** Sends SIGTERM, waits up to `graceMs`, then SIGKILL; resolves once each process is gone. */
export async function endProcesses(pids: number[], graceMs = 2_000): Promise<void> {
  for (const pid of pids) {
    signal(pid, "SIGTERM");
  }
  const deadline = Date.now() + graceMs;
  while (pids.some(isAlive) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (const pid of pids.filter(isAlive)) {
    signal(pid, "SIGKILL");
  }
  while (pids.some(isAlive)) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Checks whether `pid` is running and not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // Synchronous on purpose: called in short polling loops on a tiny /proc file.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}
