import { readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";

/**
 * Pids of the processes (other than this one) whose environment sets PM2_HOME to
 * `pm2Home`: the PM2 daemon, the processes it runs, their children, and any daemon that a
 * late `pm2` call spawned after `pm2 kill`. Linux only: it reads /proc/<pid>/environ, which
 * is readable for the processes of the same user, and those are the only ones the stack starts.
 */
export async function pm2HomeProcesses(pm2Home: string): Promise<number[]> {
  const expected = Buffer.from(`PM2_HOME=${pm2Home}`);
  const entries = await readdir("/proc");
  const found: number[] = [];
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) {
      continue;
    }
    // Processes of other users, and processes that exited since readdir, cannot be read.
    const environ = await readFile(`/proc/${entry}/environ`).catch(() => null);
    if (environ !== null && hasEntry(environ, expected)) {
      found.push(pid);
    }
  }
  return found;
}

/** Returns whether a NUL-separated environment block contains exactly the entry `expected`. */
function hasEntry(environ: Buffer, expected: Buffer): boolean {
  for (let start = 0; start < environ.length; ) {
    const end = environ.indexOf(0, start);
    const stop = end === -1 ? environ.length : end;
    if (stop - start === expected.length && environ.subarray(start, stop).equals(expected)) {
      return true;
    }
    start = stop + 1;
  }
  return false;
}

export interface EndProcessesOptions {
  /** How long SIGTERM gets before SIGKILL, in milliseconds. */
  graceMs?: number;
  /** Give up (and throw) when processes still appear after this long, in milliseconds. */
  timeoutMs?: number;
}

/**
 * Ends every process of this PM2_HOME: SIGTERM, then SIGKILL for those still alive after
 * the grace period. It scans again until two scans in a row find nothing. A process that is
 * still running can spawn another (a reporter's PM2 API call starts a daemon when it finds
 * none), and a SIGKILLed daemon leaves its children behind.
 */
export async function endPm2HomeProcesses(pm2Home: string, options: EndProcessesOptions = {}): Promise<void> {
  const graceMs = options.graceMs ?? 3_000;
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let emptyScans = 0;
  while (emptyScans < 2) {
    const pids = await pm2HomeProcesses(pm2Home);
    if (pids.length === 0) {
      emptyScans += 1;
      await sleep(200);
      continue;
    }
    emptyScans = 0;
    if (Date.now() > deadline) {
      throw new Error(`timed out ending the processes with PM2_HOME=${pm2Home}: pids ${pids.join(", ")} still run; end them with kill -9`);
    }
    signalAll(pids, "SIGTERM");
    for (let waited = 0; waited < graceMs && pids.some(isAlive); waited += 100) {
      await sleep(100);
    }
    signalAll(pids.filter(isAlive), "SIGKILL");
  }
}

function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // It exited between the scan and the signal.
    }
  }
}

/** Returns whether a process with this pid exists and is not a zombie waiting for its parent. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  try {
    // The state follows the command name in parentheses, which may itself contain spaces or ")".
    const stat = readFileSync(`/proc/${String(pid)}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch {
    return false;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}
