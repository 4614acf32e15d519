import type { Overview, ProtocolEvent, SyncFailureWire, SyncJob, SyncProgress, SyncRuleStatus } from "@comfycarry/shared";

// The motion of cloud sync between snapshots: running jobs with their progress, each
// rule's last reported state and the jobs that finished while the page was open.

/** A job that is running, as the events describe it. */
export interface LiveSyncJob {
  job_id: string;
  rule_id: string;
  rule_name: string;
  started_at: string;
  progress: SyncProgress | null;
  /** Reporter time of the last event about this job. */
  updated_at: string;
}

/** A finished job and its classified failure, newest first. */
export interface FinishedSyncJob {
  job: SyncJob;
  failure: SyncFailureWire | null;
}

export interface SyncLive {
  jobs: Record<string, LiveSyncJob>;
  rules: Record<string, SyncRuleStatus>;
  finished: FinishedSyncJob[];
}

/** Finished jobs kept for the page. */
export const MAX_FINISHED_SYNC_JOBS = 50;

export type SyncEvent = Extract<ProtocolEvent, { kind: `sync.${string}` }>;

export function emptySyncLive(): SyncLive {
  return { jobs: {}, rules: {}, finished: [] };
}

/** Returns whether `event` is a sync event. */
export function isSyncEvent(event: ProtocolEvent): event is SyncEvent {
  return event.kind.startsWith("sync.");
}

/** Applies one sync event. */
export function applySyncEvent(sync: SyncLive, event: SyncEvent): void {
  switch (event.kind) {
    case "sync.job.started":
      sync.jobs[event.job.id] = {
        job_id: event.job.id,
        rule_id: event.job.rule_id,
        rule_name: event.rule_name,
        started_at: event.job.started_at,
        progress: null,
        updated_at: event.at,
      };
      return;

    case "sync.job.progress": {
      const job = sync.jobs[event.job_id];
      if (job !== undefined) {
        job.progress = event.progress;
        job.updated_at = event.at;
      } else {
        // The start event came before this page opened; the rule status fills in the name.
        sync.jobs[event.job_id] = {
          job_id: event.job_id,
          rule_id: event.rule_id,
          rule_name: sync.rules[event.rule_id]?.name ?? event.rule_id,
          started_at: event.at,
          progress: event.progress,
          updated_at: event.at,
        };
      }
      return;
    }

    case "sync.job.finished":
      delete sync.jobs[event.job.id];
      sync.finished = [{ job: event.job, failure: event.failure }, ...sync.finished.filter((item) => item.job.id !== event.job.id)].slice(0, MAX_FINISHED_SYNC_JOBS);
      return;

    case "sync.rule.status":
      sync.rules[event.status.rule_id] = event.status;
      return;
  }
}

/**
 * Drops running jobs that a newer snapshot shows are over, so a finish event lost with a
 * dropped socket does not leave a progress bar behind.
 */
export function settleSyncJobs(sync: SyncLive, snapshot: Overview): void {
  if (!snapshot.sync.available || snapshot.sync.last_status === "running") {
    return;
  }
  const capturedAt = Date.parse(snapshot.captured_at);
  for (const [id, job] of Object.entries(sync.jobs)) {
    if (Date.parse(job.updated_at) <= capturedAt) {
      delete sync.jobs[id];
    }
  }
}
