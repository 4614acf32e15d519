import type { RcloneStats } from "./json-log.js";

/** Live progress of one rclone run, in the snake_case shape the protocol uses. */
export interface TransferProgress {
  bytes: number;
  total_bytes: number;
  speed_bytes_per_s: number;
  /** Seconds left, or null when rclone cannot estimate it yet. */
  eta_s: number | null;
  files_done: number;
  files_total: number;
  checks: number;
  deletes: number;
  errors: number;
  elapsed_s: number;
  /** Files being transferred now. */
  current: Array<{ name: string; bytes: number; size: number; percentage: number; speed_bytes_per_s: number }>;
}

/** Maps one rclone stats object to progress. */
export function progressFromStats(stats: RcloneStats): TransferProgress {
  return {
    bytes: stats.bytes,
    total_bytes: stats.totalBytes,
    speed_bytes_per_s: Math.round(stats.speed),
    eta_s: stats.eta,
    files_done: stats.transfers,
    files_total: stats.totalTransfers,
    checks: stats.checks,
    deletes: stats.deletes,
    errors: stats.errors,
    elapsed_s: stats.elapsedTime,
    current: stats.transferring.map((file) => ({
      name: file.name,
      bytes: file.bytes,
      size: file.size,
      percentage: file.percentage,
      speed_bytes_per_s: Math.round(file.speed),
    })),
  };
}

/**
 * A fingerprint of everything that moves while rclone works: bytes, finished files,
 * checks, deletes and per-file bytes. The stall watchdog compares fingerprints, so a
 * long listing that only advances `checks` is not mistaken for a stall.
 */
export function progressFingerprint(stats: RcloneStats): string {
  const perFile = stats.transferring.map((file) => `${file.name}:${file.bytes}`).join("|");
  return [stats.bytes, stats.transfers, stats.checks, stats.totalChecks, stats.deletes, stats.renames, perFile].join("/");
}
