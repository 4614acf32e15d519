import type { Pm2Cli } from "./pm2.js";

/** PM2 statuses of a process that stopped for good: it exited with a stop code, or crashed too often. */
const GONE = new Set(["stopped", "errored"]);

/**
 * Restart count from which a process counts as crash-looping. PM2 gives up only after
 * max_restarts quick exits (16 by default). With a 1 s restart delay, a stub reporter that
 * exited at once was still being restarted after 60 s, the whole snapshot wait.
 */
const CRASH_LOOP_RESTARTS = 3;

/** How often PM2 is asked; each `pm2 jlist` starts a Node process, so not every poll of the edge. */
const CHECK_EVERY_MS = 2_000;

export interface ExitWatch {
  /** Rejects once the process has stopped for good or keeps crashing; stays pending otherwise. */
  exited: Promise<never>;
  stop(): void;
}

/**
 * Watches a PM2 process during start-up, so a reporter that cannot start fails the stack at
 * once with its PM2 status, instead of after the whole wait for its first snapshot.
 */
export function watchForExit(pm2: Pm2Cli, name: string, script: string): ExitWatch {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const exited = new Promise<never>((_, reject) => {
    const check = async (): Promise<void> => {
      const found = await pm2.find(name).catch(() => undefined);
      if (stopped) {
        return;
      }
      if (found !== undefined && (GONE.has(found.status) || found.restarts >= CRASH_LOOP_RESTARTS)) {
        reject(
          new Error(
            `PM2 process "${name}" (${script}) stopped or kept exiting during start-up (PM2 status "${found.status}" after ${String(found.restarts)} restarts); ` +
              `its output is in ${pm2.pm2Home}/logs/${name}-error.log and ${name}-out.log`,
          ),
        );
        return;
      }
      timer = setTimeout(() => void check(), CHECK_EVERY_MS);
    };
    timer = setTimeout(() => void check(), CHECK_EVERY_MS);
  });

  return {
    exited,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
