import { toUtcTimestamp } from "@comfycarry/shared";
import type { SyncJob, SyncProgress, SyncRuleStatus } from "@comfycarry/shared";

import type { RuleStatus } from "../engine/status.js";
import type { JobRecord } from "../jobs/history.js";
import type { TransferProgress } from "../rclone/progress.js";

/** Conversions from the engine's records to the protocol's shapes. */

const MAX_CURRENT_FILES = 64;

function iso(ms: number | null): string | null {
  return ms === null ? null : toUtcTimestamp(new Date(ms));
}

function nonNegative(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

export function wireJob(job: JobRecord): SyncJob {
  return {
    id: job.id,
    rule_id: job.rule_id,
    reason: job.reason,
    attempt: Math.max(0, job.attempt),
    started_at: toUtcTimestamp(new Date(job.started_at)),
    finished_at: iso(job.finished_at),
    status: job.status,
    files: Math.max(0, job.files),
    bytes: Math.max(0, job.bytes),
    errors: Math.max(0, job.errors),
    exit_code: job.exit_code,
    error_code: job.error_code,
    error_message: job.error_message === null ? null : job.error_message.slice(0, 2000),
  };
}

/** Clamps rclone's figures into the protocol's ranges (rclone may print a percentage above 100 while a file grows). */
export function wireProgress(progress: TransferProgress): SyncProgress {
  return {
    bytes: nonNegative(progress.bytes),
    total_bytes: nonNegative(progress.total_bytes),
    speed_bytes_per_s: nonNegative(progress.speed_bytes_per_s),
    eta_s: progress.eta_s === null ? null : nonNegative(progress.eta_s),
    files_done: Math.trunc(nonNegative(progress.files_done)),
    files_total: Math.trunc(nonNegative(progress.files_total)),
    checks: Math.trunc(nonNegative(progress.checks)),
    deletes: Math.trunc(nonNegative(progress.deletes)),
    errors: Math.trunc(nonNegative(progress.errors)),
    elapsed_s: nonNegative(progress.elapsed_s),
    current: progress.current.slice(0, MAX_CURRENT_FILES).map((file) => ({
      name: file.name,
      bytes: nonNegative(file.bytes),
      size: nonNegative(file.size),
      percentage: Math.min(100, nonNegative(file.percentage)),
      speed_bytes_per_s: nonNegative(file.speed_bytes_per_s),
    })),
  };
}

export function wireRuleStatus(status: RuleStatus): SyncRuleStatus {
  return { ...status, progress: status.progress === null ? null : wireProgress(status.progress) };
}
