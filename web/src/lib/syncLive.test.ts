import { describe, expect, it } from "vitest";

import { exampleSnapshot } from "../test/fixtures";
import { applySyncEvent, emptySyncLive, settleSyncJobs } from "./syncLive";

import type { SyncJob, SyncProgress } from "@comfycarry/shared";

const job: SyncJob = {
  id: "job-1",
  rule_id: "outputs",
  reason: "watch",
  attempt: 1,
  started_at: "2026-02-18T09:00:00.000Z",
  finished_at: null,
  status: "running",
  files: 0,
  bytes: 0,
  errors: 0,
  exit_code: null,
  error_code: null,
  error_message: null,
};

const progress: SyncProgress = {
  bytes: 512,
  total_bytes: 1024,
  speed_bytes_per_s: 256,
  eta_s: 2,
  files_done: 0,
  files_total: 1,
  checks: 0,
  deletes: 0,
  errors: 0,
  elapsed_s: 2,
  current: [{ name: "a.png", bytes: 512, size: 1024, percentage: 50, speed_bytes_per_s: 256 }],
};

describe("sync live state", () => {
  it("adds a started job", () => {
    const sync = emptySyncLive();
    applySyncEvent(sync, { kind: "sync.job.started", at: "2026-02-18T09:00:00.000Z", job, rule_name: "Outputs" });
    expect(sync.jobs["job-1"]?.rule_name).toBe("Outputs");
  });

  it("keeps the latest progress", () => {
    const sync = emptySyncLive();
    applySyncEvent(sync, { kind: "sync.job.started", at: "2026-02-18T09:00:00.000Z", job, rule_name: "Outputs" });
    applySyncEvent(sync, { kind: "sync.job.progress", at: "2026-02-18T09:00:02.000Z", job_id: "job-1", rule_id: "outputs", progress });
    expect(sync.jobs["job-1"]?.progress?.bytes).toBe(512);
  });

  it("moves a finished job to the history", () => {
    const sync = emptySyncLive();
    applySyncEvent(sync, { kind: "sync.job.started", at: "2026-02-18T09:00:00.000Z", job, rule_name: "Outputs" });
    const finished = { ...job, status: "success" as const, finished_at: "2026-02-18T09:00:03.000Z" };
    applySyncEvent(sync, { kind: "sync.job.finished", at: "2026-02-18T09:00:03.000Z", job: finished, failure: null });
    expect(sync.jobs).toEqual({});
    expect(sync.finished[0]?.job.status).toBe("success");
  });

  it("drops a job a newer idle snapshot shows over", () => {
    const sync = emptySyncLive();
    applySyncEvent(sync, { kind: "sync.job.started", at: "2026-02-18T09:00:00.000Z", job, rule_name: "Outputs" });
    const snapshot = exampleSnapshot({
      captured_at: "2026-02-18T09:00:10.000Z",
      sync: { available: true, worker_running: true, rules_count: 1, last_activity: null, last_status: "success" },
    });
    settleSyncJobs(sync, snapshot);
    expect(sync.jobs).toEqual({});
  });
});
