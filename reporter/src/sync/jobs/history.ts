import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";

import { z } from "zod";

/**
 * Job history in SQLite (node:sqlite, built into Node 22.13+): one row per rclone job
 * with start, end, files, bytes, errors, exit code and the classified failure.
 */

export const jobStatusSchema = z.enum(["running", "success", "failed", "canceled"]);
export type JobStatus = z.infer<typeof jobStatusSchema>;

export const jobReasonSchema = z.enum(["manual", "watch", "interval", "on_deploy", "retry"]);
export type JobReason = z.infer<typeof jobReasonSchema>;

export const jobRecordSchema = z.object({
  id: z.string(),
  rule_id: z.string(),
  reason: jobReasonSchema,
  attempt: z.number().int(),
  started_at: z.number().int(),
  finished_at: z.number().int().nullable(),
  status: jobStatusSchema,
  files: z.number().int(),
  bytes: z.number().int(),
  errors: z.number().int(),
  exit_code: z.number().int().nullable(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
});
export type JobRecord = z.infer<typeof jobRecordSchema>;

export interface JobFinish {
  status: Exclude<JobStatus, "running">;
  files: number;
  bytes: number;
  errors: number;
  exit_code: number | null;
  error_code: string | null;
  error_message: string | null;
}

export interface JobQuery {
  ruleId?: string;
  status?: JobStatus;
  limit?: number;
}

/** The sync_jobs table. */
export class JobHistory {
  readonly #db: DatabaseSync;
  readonly #now: () => number;

  constructor(path: string, now: () => number = Date.now) {
    if (path !== ":memory:") {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    }
    this.#db = new DatabaseSync(path);
    this.#now = now;
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA busy_timeout = 2000;
      CREATE TABLE IF NOT EXISTS sync_jobs (
        id TEXT PRIMARY KEY,
        rule_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        attempt INTEGER NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        status TEXT NOT NULL,
        files INTEGER NOT NULL DEFAULT 0,
        bytes INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        exit_code INTEGER,
        error_code TEXT,
        error_message TEXT
      );
      CREATE INDEX IF NOT EXISTS sync_jobs_rule_started ON sync_jobs (rule_id, started_at);
    `);
  }

  /** Marks jobs left running by a previous process as canceled; returns how many. */
  closeInterrupted(): number {
    const result = this.#db
      .prepare("UPDATE sync_jobs SET status = 'canceled', finished_at = ?, error_code = 'canceled', error_message = 'the reporter stopped during this job' WHERE status = 'running'")
      .run(this.#now());
    return Number(result.changes);
  }

  start(id: string, ruleId: string, reason: JobReason, attempt: number): void {
    this.#db
      .prepare("INSERT INTO sync_jobs (id, rule_id, reason, attempt, started_at, status) VALUES (?, ?, ?, ?, ?, 'running')")
      .run(id, ruleId, reason, attempt, this.#now());
  }

  finish(id: string, finish: JobFinish): void {
    this.#db
      .prepare(
        "UPDATE sync_jobs SET finished_at = ?, status = ?, files = ?, bytes = ?, errors = ?, exit_code = ?, error_code = ?, error_message = ? WHERE id = ?",
      )
      .run(this.#now(), finish.status, finish.files, finish.bytes, finish.errors, finish.exit_code, finish.error_code, finish.error_message, id);
  }

  get(id: string): JobRecord | undefined {
    const row = this.#db.prepare("SELECT * FROM sync_jobs WHERE id = ?").get(id);
    return row === undefined ? undefined : jobRecordSchema.parse(row);
  }

  /** Returns jobs newest first. */
  list(query: JobQuery = {}): JobRecord[] {
    const where: string[] = [];
    const params: Array<string | number> = [];
    if (query.ruleId !== undefined) {
      where.push("rule_id = ?");
      params.push(query.ruleId);
    }
    if (query.status !== undefined) {
      where.push("status = ?");
      params.push(query.status);
    }
    const clause = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
    params.push(query.limit ?? 100);
    const rows = this.#db.prepare(`SELECT * FROM sync_jobs ${clause} ORDER BY started_at DESC, rowid DESC LIMIT ?`).all(...params);
    return rows.map((row) => jobRecordSchema.parse(row));
  }

  /** Returns the newest finished job, or undefined. */
  lastFinished(ruleId?: string): JobRecord | undefined {
    const sql =
      ruleId === undefined
        ? "SELECT * FROM sync_jobs WHERE status != 'running' ORDER BY finished_at DESC, rowid DESC LIMIT 1"
        : "SELECT * FROM sync_jobs WHERE status != 'running' AND rule_id = ? ORDER BY finished_at DESC, rowid DESC LIMIT 1";
    const row = ruleId === undefined ? this.#db.prepare(sql).get() : this.#db.prepare(sql).get(ruleId);
    return row === undefined ? undefined : jobRecordSchema.parse(row);
  }

  /** Returns when `ruleId` last succeeded, in ms, or null. */
  lastSuccessAt(ruleId: string): number | null {
    const row = this.#db.prepare("SELECT MAX(finished_at) AS at FROM sync_jobs WHERE rule_id = ? AND status = 'success'").get(ruleId);
    const parsed = z.object({ at: z.number().nullable() }).parse(row);
    return parsed.at;
  }

  close(): void {
    this.#db.close();
  }
}
