import { statfs } from "node:fs/promises";

import { DownloadFailure } from "./failure.js";

/** Headroom asked for on top of the file size, so a download never fills a disk to the last byte. */
export const SPACE_MARGIN = 0.05;

/** Bytes an unprivileged process may still write on the filesystem of `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}

/** Bytes needed to finish: the rest of the file plus 5 % of its whole size. */
export function requiredBytes(totalBytes: number, alreadyOnDisk: number): number {
  return Math.max(0, totalBytes - alreadyOnDisk) + Math.ceil(totalBytes * SPACE_MARGIN);
}

/** Throws `insufficient_space` showing the free and required bytes when the file does not fit. */
export function assertFits(totalBytes: number, alreadyOnDisk: number, free: number, dir: string): void {
  const required = requiredBytes(totalBytes, alreadyOnDisk);
  if (free < required) {
    throw new DownloadFailure(
      "insufficient_space",
      `not enough free space in ${dir}: ${formatBytes(free)} free, ${formatBytes(required)} needed (file size + 5 %); free some space or pick another folder`,
      { free_bytes: free, required_bytes: required, path: dir },
    );
  }
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
