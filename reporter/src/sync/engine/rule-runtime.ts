import type { JobReason, JobRecord } from "../jobs/history.js";
import type { SyncFailure } from "../rclone/classify.js";
import type { TransferProgress } from "../rclone/progress.js";
import type { SyncRule } from "../rules/schema.js";
import { deferred } from "./deferred.js";
import type { Deferred } from "./deferred.js";
import { RetrySchedule } from "./retry.js";
import type { ResolvedOptions } from "./options.js";
import type { RuleStatus, RuleStatusName } from "./status.js";
import type { RuleWatcher } from "./watch.js";

/**
 * One rule's live state: its triggers, retry plan and run queue. A rule runs at most
 * one job at a time; requests that arrive meanwhile merge into a single follow-up run.
 */

export interface RunRequest {
  reason: JobReason;
  /** Upload only the watcher's ready files instead of running the whole rule. */
  watchOnly: boolean;
  confirmDeletes: boolean;
  resync: boolean;
}

function mergeRequests(a: RunRequest, b: RunRequest): RunRequest {
  return {
    reason: a.reason === "watch" || a.reason === "retry" ? b.reason : a.reason,
    watchOnly: a.watchOnly && b.watchOnly,
    confirmDeletes: a.confirmDeletes || b.confirmDeletes,
    resync: a.resync || b.resync,
  };
}

export type JobExecutor = (runtime: RuleRuntime, request: RunRequest) => Promise<JobRecord | null>;

export class RuleRuntime {
  rule: SyncRule;
  localPath: string;
  status: RuleStatusName = "idle";
  jobId: string | null = null;
  progress: TransferProgress | null = null;
  lastError: SyncFailure | null = null;
  lastSuccessAt: number | null = null;
  /** Start of the last successful run that covered the whole rule (not a watch batch). */
  lastFullSuccessStartedAt: number | null = null;
  lastCheck: { at: number; unsynced: number } | null = null;
  watcher: RuleWatcher | null = null;
  interval: NodeJS.Timeout | undefined;
  abort: AbortController | null = null;
  readonly retry: RetrySchedule;
  #running: Promise<JobRecord | null> | null = null;
  #next: { request: RunRequest; done: Deferred<JobRecord | null> } | null = null;

  constructor(rule: SyncRule, localPath: string, options: ResolvedOptions) {
    this.rule = rule;
    this.localPath = localPath;
    this.retry = new RetrySchedule(options.retry);
    this.status = rule.enabled ? "idle" : "disabled";
  }

  get busy(): boolean {
    return this.#running !== null;
  }

  /** Runs now, or joins the follow-up run when a job of this rule is running. */
  request(request: RunRequest, execute: JobExecutor): Promise<JobRecord | null> {
    if (this.#running === null) {
      return this.#start(request, execute);
    }
    if (this.#next === null) {
      this.#next = { request, done: deferred() };
    } else {
      this.#next.request = mergeRequests(this.#next.request, request);
    }
    return this.#next.done.promise;
  }

  /** Waits for the running job and any follow-up. */
  async idle(): Promise<void> {
    while (this.#running !== null) {
      await this.#running;
    }
  }

  /** Stops triggers and retries; the running job is aborted by the caller. */
  stopTriggers(): Promise<void> {
    clearInterval(this.interval);
    this.interval = undefined;
    this.retry.cancel();
    const watcher = this.watcher;
    this.watcher = null;
    return watcher === null ? Promise.resolve() : watcher.stop();
  }

  toStatus(): RuleStatus {
    const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
    return {
      rule_id: this.rule.id,
      name: this.rule.name,
      status: this.status,
      job_id: this.jobId,
      progress: this.progress,
      last_success_at: iso(this.lastSuccessAt),
      last_error: this.lastError,
      attempt: this.retry.attempt,
      next_attempt_at: iso(this.retry.nextAt),
      unsynced_files: this.watcher === null ? null : this.watcher.files.unsyncedCount,
    };
  }

  #start(request: RunRequest, execute: JobExecutor): Promise<JobRecord | null> {
    this.retry.cancel();
    const running = execute(this, request).finally(() => {
      this.#running = null;
      const next = this.#next;
      this.#next = null;
      if (next !== null) {
        void this.#start(next.request, execute).then(next.done.resolve, () => next.done.resolve(null));
      }
    });
    this.#running = running;
    return running;
  }
}
