import { toUtcTimestamp } from "@comfycarry/shared";
import type { ProtocolEvent } from "@comfycarry/shared";

import type { DownloadJob } from "./schemas.js";

/**
 * Turns the engine's job updates (one per poll, every 500 ms) into `download.job` events: a
 * status change goes out at once, progress at most once per `intervalMs` per job, and the
 * last progress held back is sent when its interval ends, so the final figures always arrive.
 */
export class JobEventThrottle {
  private readonly last = new Map<string, { status: DownloadJob["status"]; sentAt: number }>();
  private readonly held = new Map<string, { job: DownloadJob; timer: NodeJS.Timeout }>();

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
    const held = this.held.get(job.id);
    if (held !== undefined) {
      held.job = job;
      return;
    }
    const timer = setTimeout(() => {
      const pending = this.held.get(job.id);
      if (pending !== undefined) {
        this.send(pending.job, Date.now());
      }
    }, last.sentAt + this.intervalMs - now);
    this.held.set(job.id, { job, timer });
  }

  private send(job: DownloadJob, now: number): void {
    const held = this.held.get(job.id);
    if (held !== undefined) {
      clearTimeout(held.timer);
      this.held.delete(job.id);
    }
    this.last.set(job.id, { status: job.status, sentAt: now });
    this.emit({ kind: "download.job", at: toUtcTimestamp(), job });
  }

  /** Drops held progress; called when the reporter stops. */
  close(): void {
    for (const held of this.held.values()) {
      clearTimeout(held.timer);
    }
    this.held.clear();
  }
}
