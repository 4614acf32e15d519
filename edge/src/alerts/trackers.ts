/**
 * @module Facts the alert rules need beyond the latest snapshot. They are counted from snapshots
 * and events into the instance object's SQLite: PM2 restart times per service, consecutive failed
 * jobs per sync rule, failed downloads, and the time the instance became idle.
 */
import { CRASH_LOOP_RESTARTS, CRASH_LOOP_WINDOW_MS, SYNC_FAILURE_STREAK } from "@comfycarry/shared";
import type { Overview, ProtocolEvent } from "@comfycarry/shared";
import { z } from "zod";

import { isIdle } from "./conditions.js";
import type { TrackedFacts } from "./conditions.js";

const RESTART_COUNTS_KEY = "alerts.restart_counts";
const ERRORED_KEY = "alerts.errored_services";
const IDLE_SINCE_KEY = "alerts.idle_since";

const countsSchema = z.record(z.string(), z.number());
const namesSchema = z.array(z.string());
const restartRowSchema = z.object({ service: z.string(), n: z.number() });
const streakRowSchema = z.object({ rule_id: z.string(), rule_name: z.string(), failures: z.number(), code: z.string().nullable() });
const downloadRowSchema = z.object({ job_id: z.string(), file_name: z.string(), code: z.string().nullable() });
const oldestRowSchema = z.object({ oldest: z.number().nullable() });

/** PM2 statuses in which PM2 stopped restarting a process that keeps crashing. */
const GAVE_UP_STATUSES = new Set(["errored"]);

export class AlertTrackers {
  constructor(
    private readonly sql: SqlStorage,
    private readonly kv: SyncKvStorage,
  ) {
    sql.exec("CREATE TABLE IF NOT EXISTS alert_restarts (service TEXT NOT NULL, at INTEGER NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS alert_sync_streaks (rule_id TEXT PRIMARY KEY, rule_name TEXT NOT NULL, failures INTEGER NOT NULL, code TEXT)");
    sql.exec("CREATE TABLE IF NOT EXISTS alert_failed_downloads (job_id TEXT PRIMARY KEY, file_name TEXT NOT NULL, code TEXT)");
  }

  /** Records restarts and idleness the snapshot shows. */
  onSnapshot(snapshot: Overview, now: number): void {
    if (snapshot.services.available) {
      for (const service of snapshot.services.items) {
        this.recordRestarts(service.name, service.restarts, now);
      }
      const errored = snapshot.services.items.filter((service) => GAVE_UP_STATUSES.has(service.status)).map((service) => service.name);
      // Storage writes are billed, and most snapshots change nothing here.
      if (JSON.stringify(errored) !== JSON.stringify(this.kv.get(ERRORED_KEY) ?? [])) {
        this.kv.put(ERRORED_KEY, errored);
      }
    }

    const idleSince = this.idleSince();
    if (!isIdle(snapshot)) {
      if (idleSince !== null) {
        this.kv.delete(IDLE_SINCE_KEY);
      }
    } else if (idleSince === null) {
      this.kv.put(IDLE_SINCE_KEY, now);
    }
  }

  /** Records what an event shows; returns whether it changed a fact an alert depends on. */
  onEvent(event: ProtocolEvent, now: number): boolean {
    switch (event.kind) {
      case "service.changed":
        return this.recordRestarts(event.name, event.restarts, now);
      case "sync.job.finished":
        return this.recordSyncJob(event.job.rule_id, event.job.status, event.job.error_code);
      case "sync.job.started":
        this.sql.exec("UPDATE alert_sync_streaks SET rule_name = ? WHERE rule_id = ?", event.rule_name, event.job.rule_id);
        return false;
      case "download.job":
        return this.recordDownload(event.job.id, event.job.status, event.job.file_name ?? event.job.url, event.job.error?.code ?? null);
      default:
        return false;
    }
  }

  /** Forgets a failed download once its alert was acknowledged, so the alert clears. */
  forgetDownload(jobId: string): void {
    this.sql.exec("DELETE FROM alert_failed_downloads WHERE job_id = ?", jobId);
  }

  /** Returns the tracked facts at `now`, given the link's offline time. */
  facts(offlineSince: number | null, now: number): TrackedFacts {
    this.sql.exec("DELETE FROM alert_restarts WHERE at <= ?", now - CRASH_LOOP_WINDOW_MS);
    const restarts = this.sql.exec("SELECT service, COUNT(*) AS n FROM alert_restarts GROUP BY service").toArray().map((row) => restartRowSchema.parse(row));
    const errored = new Set(namesSchema.parse(this.kv.get(ERRORED_KEY) ?? []));
    const crashLoops = restarts.filter((row) => row.n >= CRASH_LOOP_RESTARTS).map((row) => ({ service: row.service, restarts: row.n, errored: errored.has(row.service) }));
    for (const service of errored) {
      if (!crashLoops.some((loop) => loop.service === service)) {
        crashLoops.push({ service, restarts: restarts.find((row) => row.service === service)?.n ?? 0, errored: true });
      }
    }

    const streaks = this.sql.exec("SELECT rule_id, rule_name, failures, code FROM alert_sync_streaks WHERE failures >= ?", SYNC_FAILURE_STREAK).toArray().map((row) => streakRowSchema.parse(row));
    const downloads = this.sql.exec("SELECT job_id, file_name, code FROM alert_failed_downloads").toArray().map((row) => downloadRowSchema.parse(row));
    return {
      offlineSince,
      crashLoops,
      failingSyncRules: streaks.map((row) => ({ ruleId: row.rule_id, ruleName: row.rule_name, failures: row.failures, code: row.code })),
      failedDownloads: downloads.map((row) => ({ jobId: row.job_id, fileName: row.file_name, code: row.code })),
      idleSince: this.idleSince(),
    };
  }

  /** Returns when the oldest counted restart leaves the crash-loop window, or null when none is counted. */
  nextRestartExpiry(): number | null {
    const [row] = this.sql.exec("SELECT MIN(at) AS oldest FROM alert_restarts").toArray().map((raw) => oldestRowSchema.parse(raw));
    return row === undefined || row.oldest === null ? null : row.oldest + CRASH_LOOP_WINDOW_MS;
  }

  /** Moves recorded restart times and the idle start `ms` into the past; the test clock. */
  rewind(ms: number): void {
    this.sql.exec("UPDATE alert_restarts SET at = at - ?", ms);
    const idleSince = this.idleSince();
    if (idleSince !== null) {
      this.kv.put(IDLE_SINCE_KEY, idleSince - ms);
    }
  }

  private idleSince(): number | null {
    const value = this.kv.get(IDLE_SINCE_KEY);
    return typeof value === "number" ? value : null;
  }

  /** Counts each restart above the last seen counter; a lower counter means PM2 was reset and only rebases. */
  private recordRestarts(service: string, restarts: number, now: number): boolean {
    const counts = countsSchema.parse(this.kv.get(RESTART_COUNTS_KEY) ?? {});
    const previous = counts[service];
    if (previous === restarts) {
      return false;
    }
    counts[service] = restarts;
    this.kv.put(RESTART_COUNTS_KEY, counts);
    if (previous === undefined || restarts < previous) {
      return false;
    }

    // Only the window's worth matters, so a jump of hundreds is stored as the threshold.
    const added = Math.min(restarts - previous, CRASH_LOOP_RESTARTS);
    for (let i = 0; i < added; i++) {
      this.sql.exec("INSERT INTO alert_restarts (service, at) VALUES (?, ?)", service, now);
    }
    return true;
  }

  private recordSyncJob(ruleId: string, status: string, code: string | null): boolean {
    if (status === "success") {
      return this.sql.exec("DELETE FROM alert_sync_streaks WHERE rule_id = ?", ruleId).rowsWritten > 0;
    }
    if (status !== "failed") {
      return false;
    }
    this.sql.exec(
      "INSERT INTO alert_sync_streaks (rule_id, rule_name, failures, code) VALUES (?, ?, 1, ?) ON CONFLICT (rule_id) DO UPDATE SET failures = failures + 1, code = excluded.code",
      ruleId,
      ruleId,
      code,
    );
    return true;
  }

  private recordDownload(jobId: string, status: string, fileName: string, code: string | null): boolean {
    if (status === "failed") {
      this.sql.exec("INSERT OR REPLACE INTO alert_failed_downloads (job_id, file_name, code) VALUES (?, ?, ?)", jobId, fileName.slice(0, 300), code);
      return true;
    }
    // A retried or finished job is no longer failed.
    return this.sql.exec("DELETE FROM alert_failed_downloads WHERE job_id = ?", jobId).rowsWritten > 0;
  }
}
