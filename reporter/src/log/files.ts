import { join } from "node:path";

import pinoRoll from "pino-roll";
import type { DestinationStream } from "pino";

/** File name stem; pino-roll numbers the files `reporter.1.log`, `reporter.2.log`, … */
export const LOG_FILE_STEM = "reporter";
export const LOG_FILE_EXTENSION = ".log";
/** A file rolls over at this size, so one busy day cannot fill the disk. */
export const LOG_FILE_SIZE = "10m";
/** Older files kept beside the current one: at most about 60 MB of logs in all. */
export const LOG_FILES_KEPT = 5;

/** Returns the folder the reporter's log files live in. */
export function logDir(stateDir: string): string {
  return join(stateDir, "logs");
}

/**
 * Opens the rotating JSON-lines log under `dir`, creating the folder. The stream is a
 * SonicBoom file stream in this process (no worker thread), so it works in the bundle.
 * `size` is pino-roll's size string (`10m`, `1k`); tests pass a small one to see a rollover.
 */
export async function openLogFiles(dir: string, size: string = LOG_FILE_SIZE): Promise<DestinationStream> {
  return pinoRoll({
    file: join(dir, LOG_FILE_STEM),
    extension: LOG_FILE_EXTENSION,
    size,
    limit: { count: LOG_FILES_KEPT },
    mkdir: true,
  });
}
