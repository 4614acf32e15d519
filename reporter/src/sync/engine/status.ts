import type { SyncFailure } from "../rclone/classify.js";
import type { TransferProgress } from "../rclone/progress.js";

/** The state of each rule and of the engine as the dashboard shows them. */

export type RuleStatusName =
  | "idle"
  | "running"
  | "retry_wait" // Failed; the next attempt is planned at next_attempt_at.
  | "remote_offline" // The remote is unreachable; retried with backoff.
  | "needs_confirmation" // A mirror or two-way run stopped to ask before deleting or resyncing.
  | "failed" // Failed in a way retrying will not fix (credentials, unknown remote).
  | "disabled";

export interface RuleStatus {
  rule_id: string;
  name: string;
  status: RuleStatusName;
  job_id: string | null;
  progress: TransferProgress | null;
  last_success_at: string | null;
  last_error: SyncFailure | null;
  /** Failed attempts since the last success. */
  attempt: number;
  next_attempt_at: string | null;
  /** Files a watch rule saw change that are not on the remote yet; null for other rules. */
  unsynced_files: number | null;
}

/** Per push rule: is everything it covers on the remote? */
export interface RuleSafety {
  rule_id: string;
  name: string;
  state: "synced" | "unsynced" | "unknown";
  unsynced_files: number | null;
  /** When the rule's files were last known to be all on the remote. */
  last_synced_at: string | null;
  /** When `rclone check` last verified the rule, or null when only tracking was used. */
  checked_at: string | null;
}

/** The instance-wide "safe to destroy" answer. */
export interface SafeToDestroy {
  /** True when every enabled push rule is synced, false when one is not, null when one is unknown. */
  safe: boolean | null;
  unsynced_files: number;
  /** Oldest `last_synced_at` of the push rules: "all synced N s ago" counts from here. */
  all_synced_at: string | null;
  rules: RuleSafety[];
}

/** Folds per-rule answers into the instance-wide one. */
export function summarizeSafety(rules: RuleSafety[]): SafeToDestroy {
  const unsynced = rules.reduce((sum, rule) => sum + (rule.unsynced_files ?? 0), 0);
  let safe: boolean | null = true;
  if (rules.some((rule) => rule.state === "unsynced")) {
    safe = false;
  } else if (rules.some((rule) => rule.state === "unknown")) {
    safe = null;
  }
  const times = rules.map((rule) => rule.last_synced_at);
  const allSyncedAt = safe === true && times.every((time) => time !== null) ? (times.filter((time): time is string => time !== null).sort()[0] ?? null) : null;
  return { safe, unsynced_files: unsynced, all_synced_at: allSyncedAt, rules };
}

/** Parses `rclone check --combined -` output and counts files missing or different on the remote. */
export function countUnsynced(combined: string): number {
  let count = 0;
  for (const line of combined.split("\n")) {
    if (line.startsWith("+ ") || line.startsWith("* ") || line.startsWith("! ")) {
      count += 1;
    }
  }
  return count;
}
