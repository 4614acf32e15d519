import { toUtcTimestamp } from "@comfycarry/shared";
import type { ProtocolEvent } from "@comfycarry/shared";

import type { DownloadJob } from "./schemas.js";

/**
 * Turns the engine's job updates (one per poll, every 500 ms) into `download.job` events. A
 * status change goes out at once, and progress at most once per `intervalMs` per job. The
 * last progress update held back is sent when its interval ends, so the final figures arrive.
 */
export class JobEventThrottle {
  private readonly last = new Map<string, { status: DownloadJob["status"]; sentAt: number }>();
  private readonly deferred = new Map<string, { job: DownloadJob; timer: NodeJS.Timeout }>();

  constructor(
    private readonly emit: (event: ProtocolEvent) => void,
    private readonly intervalMs = 1_000,
  ) {}

  push(job: DownloadJob): void {
    const last = this.last.get(job.id);
    const now = Date.now();
    if (last === undefined || last.status !== job.status || now - last.sentAt >= this.intervalMs) {
      this.send(job, now);
      return;
    }
    const deferred = this.deferred.get(job.id);
    if (deferred !== undefined) {
      deferred.job = job;
      return;
    }
    const timer = setTimeout(() => {
      const pending = this.deferred.get(job.id);
      if (pending !== undefined) {
        this.send(pending.job, Date.now());
      }
    }, last.sentAt + this.intervalMs - now);
    this.deferred.set(job.id, { job, timer });
  }

  private send(job: DownloadJob, now: number): void {
    const deferred = this.deferred.get(job.id);
    if (deferred !== undefined) {
      clearTimeout(deferred.timer);
      this.deferred.delete(job.id);
    }
    this.last.set(job.id, { status: job.status, sentAt: now });
    this.emit({ kind: "download.job", at: toUtcTimestamp(), job });
  }

  /** Drops held progress; called when the reporter stops. */
  close(): void {
    for (const deferred of this.deferred.values()) {
      clearTimeout(deferred.timer);
    }
    this.deferred.clear();
  }
}
