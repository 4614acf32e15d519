import { DatabaseSync } from "node:sqlite";
import { z } from "zod";

import { downloadFailureSchema, downloadStatusSchema, sourceKindSchema } from "./schemas.js";
import type { DownloadFailureInfo, DownloadJob, DownloadStatus, SourceKind } from "./schemas.js";

/** A job row: the wire view plus what only the engine needs. */
export interface JobRecord extends DownloadJob {
  civitai_file_id: number | null;
  /** aria2 gid while aria2 has the job; gone after an aria2 restart. */
  gid: string | null;
  /** Temp file name in the target folder while downloading. */
  temp_name: string | null;
  /** Times the presigned URL was re-resolved after the storage refused it, since the last progress. */
  reresolves: number;
}

const rowSchema = z.object({
  id: z.string(),
  position: z.number().int(),
  status: downloadStatusSchema,
  source_kind: sourceKindSchema,
  url: z.string(),
  folder: z.string(),
  file_name: z.string().nullable(),
  total_bytes: z.number().int().nullable(),
  downloaded_bytes: z.number().int(),
  speed_bytes_per_s: z.number(),
  sha256: z.string().nullable(),
  error: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().nullable(),
  civitai_file_id: z.number().int().nullable(),
  gid: z.string().nullable(),
  temp_name: z.string().nullable(),
  reresolves: z.number().int(),
});

const SCHEMA = `
CREATE TABLE IF NOT EXISTS download_jobs (
  id TEXT PRIMARY KEY,
  position INTEGER NOT NULL,
  status TEXT NOT NULL,
  source_kind TEXT NOT NULL,
  url TEXT NOT NULL,
  folder TEXT NOT NULL,
  file_name TEXT,
  total_bytes INTEGER,
  downloaded_bytes INTEGER NOT NULL DEFAULT 0,
  speed_bytes_per_s REAL NOT NULL DEFAULT 0,
  sha256 TEXT,
  error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finished_at TEXT,
  civitai_file_id INTEGER,
  gid TEXT,
  temp_name TEXT,
  reresolves INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS download_jobs_status ON download_jobs (status, position);
`;

export interface NewJob {
  id: string;
  source_kind: SourceKind;
  url: string;
  folder: string;
  file_name: string | null;
  total_bytes: number | null;
  sha256: string | null;
  civitai_file_id: number | null;
}

type Patch = Partial<Omit<JobRecord, "id" | "created_at" | "error">> & { error?: DownloadFailureInfo | null };

/** The download queue in SQLite (`node:sqlite`), so it survives reporter restarts. */
export class QueueStore {
  private readonly db: DatabaseSync;

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  insert(job: NewJob): JobRecord {
    const now = new Date().toISOString();
    const max = this.db.prepare("SELECT COALESCE(MAX(position), 0) AS max FROM download_jobs").get() as { max: number };
    this.db
      .prepare(
        `INSERT INTO download_jobs (id, position, status, source_kind, url, folder, file_name, total_bytes, sha256, created_at, updated_at, civitai_file_id)
         VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(job.id, max.max + 1, job.source_kind, job.url, job.folder, job.file_name, job.total_bytes, job.sha256, now, now, job.civitai_file_id);
    return this.require(job.id);
  }

  get(id: string): JobRecord | null {
    const row = this.db.prepare("SELECT * FROM download_jobs WHERE id = ?").get(id);
    return row === undefined ? null : toRecord(row);
  }

  require(id: string): JobRecord {
    const job = this.get(id);
    if (job === null) {
      throw new Error(`download job ${id} vanished from the queue database`);
    }
    return job;
  }

  list(): JobRecord[] {
    return this.db.prepare("SELECT * FROM download_jobs ORDER BY position, created_at").all().map(toRecord);
  }

  withStatus(...statuses: DownloadStatus[]): JobRecord[] {
    return this.list().filter((job) => statuses.includes(job.status));
  }

  update(id: string, patch: Patch): JobRecord {
    const entries = Object.entries({ ...patch, updated_at: new Date().toISOString() }).map(([key, value]): [string, string | number | null] => {
      if (key === "error") {
        return [key, value === null || value === undefined ? null : JSON.stringify(value)];
      }
      return [key, value as string | number | null];
    });
    const assignments = entries.map(([key]) => `${key} = ?`).join(", ");
    this.db.prepare(`UPDATE download_jobs SET ${assignments} WHERE id = ?`).run(...entries.map(([, value]) => value), id);
    return this.require(id);
  }

  /** Moves a job to `index` (0-based) among all jobs, renumbering positions 1…n. */
  reorder(id: string, index: number): void {
    const ids = this.list().map((job) => job.id).filter((other) => other !== id);
    ids.splice(Math.max(0, Math.min(index, ids.length)), 0, id);
    const statement = this.db.prepare("UPDATE download_jobs SET position = ? WHERE id = ?");
    this.db.exec("BEGIN");
    try {
      ids.forEach((jobId, position) => statement.run(position + 1, jobId));
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }
}

function toRecord(raw: unknown): JobRecord {
  const row = rowSchema.parse(raw);
  const error = row.error === null ? null : downloadFailureSchema.parse(JSON.parse(row.error));
  return { ...row, error };
}
