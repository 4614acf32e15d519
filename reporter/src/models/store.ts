import { DatabaseSync } from "node:sqlite";

import { civitaiInfoSchema } from "@comfycarry/shared";
import type { CivitaiInfo, LibraryItem } from "@comfycarry/shared";
import { z } from "zod";

import type { ScannedFile } from "./scan.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS model_files (
  path TEXT PRIMARY KEY,
  folder TEXT NOT NULL,
  relative_path TEXT NOT NULL,
  name TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  hash_error TEXT
);
-- The hash cache: a file keeps its SHA-256 while its path, size and mtime stay the same.
CREATE TABLE IF NOT EXISTS file_hashes (
  path TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ms INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  hashed_at TEXT NOT NULL,
  PRIMARY KEY (path, size, mtime_ms)
);
CREATE INDEX IF NOT EXISTS file_hashes_sha ON file_hashes (sha256);
CREATE TABLE IF NOT EXISTS civitai_lookups (
  sha256 TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  info TEXT,
  checked_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS library_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** Files joined with their cached hash, the count of files sharing it, and the CivitAI lookup. */
const ITEMS = `
WITH hashed AS (
  SELECT f.*, h.sha256 FROM model_files f
  LEFT JOIN file_hashes h ON h.path = f.path AND h.size = f.size AND h.mtime_ms = f.mtime_ms
),
counts AS (SELECT sha256, COUNT(*) AS n FROM hashed WHERE sha256 IS NOT NULL GROUP BY sha256)
SELECT hashed.path, hashed.folder, hashed.relative_path, hashed.name, hashed.size, hashed.mtime_ms, hashed.hash_error, hashed.sha256,
       COALESCE(counts.n, 1) AS n, c.state AS civitai_state, c.info AS civitai_info
FROM hashed
LEFT JOIN counts ON counts.sha256 = hashed.sha256
LEFT JOIN civitai_lookups c ON c.sha256 = hashed.sha256
`;

const itemRowSchema = z.object({
  path: z.string(),
  folder: z.string(),
  relative_path: z.string(),
  name: z.string(),
  size: z.number().int(),
  mtime_ms: z.number().int(),
  hash_error: z.string().nullable(),
  sha256: z.string().nullable(),
  n: z.number().int(),
  civitai_state: z.enum(["found", "not_found", "error"]).nullable(),
  civitai_info: z.string().nullable(),
});

const countSchema = z.object({ n: z.number().int() });
const fileKeySchema = z.object({ path: z.string(), size: z.number().int(), mtime_ms: z.number().int() });

export interface ListQuery {
  folder?: string | undefined;
  search?: string | undefined;
  limit: number;
  offset: number;
}

/** The model library index in SQLite (`node:sqlite`): files, the hash cache and CivitAI lookups. */
export class LibraryStore {
  private readonly db: DatabaseSync;

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  /** Replaces the file list with a fresh scan and returns what changed. */
  replaceFiles(files: ScannedFile[]): { added: number; removed: number; changed: number } {
    const before = new Map(this.db.prepare("SELECT path, size, mtime_ms FROM model_files").all().map((row) => {
      const key = fileKeySchema.parse(row);
      return [key.path, key] as const;
    }));
    let added = 0;
    let changed = 0;
    const upsert = this.db.prepare(
      `INSERT INTO model_files (path, folder, relative_path, name, size, mtime_ms, hash_error) VALUES (?, ?, ?, ?, ?, ?, NULL)
       ON CONFLICT (path) DO UPDATE SET folder = excluded.folder, relative_path = excluded.relative_path, name = excluded.name,
         size = excluded.size, mtime_ms = excluded.mtime_ms,
         hash_error = CASE WHEN model_files.size = excluded.size AND model_files.mtime_ms = excluded.mtime_ms THEN model_files.hash_error END`,
    );
    const remove = this.db.prepare("DELETE FROM model_files WHERE path = ?");

    this.transaction(() => {
      for (const file of files) {
        const old = before.get(file.path);
        if (old === undefined) {
          added += 1;
        } else if (old.size !== file.size || old.mtime_ms !== file.mtimeMs) {
          changed += 1;
        }
        before.delete(file.path);
        upsert.run(file.path, file.folder, file.relativePath, file.name, file.size, file.mtimeMs);
      }
      for (const path of before.keys()) {
        remove.run(path);
      }
      this.db.prepare("INSERT OR REPLACE INTO library_meta (key, value) VALUES ('scanned_at', ?)").run(new Date().toISOString());
    });
    return { added, removed: before.size, changed };
  }

  scannedAt(): string | null {
    const row = this.db.prepare("SELECT value FROM library_meta WHERE key = 'scanned_at'").get();
    return row === undefined ? null : z.object({ value: z.string() }).parse(row).value;
  }

  /** Returns the next file without a cached hash, smallest first so most of the list fills in early. */
  nextToHash(): { path: string; size: number; mtimeMs: number } | null {
    const row = this.db
      .prepare(
        `SELECT f.path, f.size, f.mtime_ms FROM model_files f
         LEFT JOIN file_hashes h ON h.path = f.path AND h.size = f.size AND h.mtime_ms = f.mtime_ms
         WHERE h.sha256 IS NULL AND f.hash_error IS NULL ORDER BY f.size, f.path LIMIT 1`,
      )
      .get();
    if (row === undefined) {
      return null;
    }
    const key = fileKeySchema.parse(row);
    return { path: key.path, size: key.size, mtimeMs: key.mtime_ms };
  }

  /** Stores a hash for one version of a file and drops the cache rows of its older versions. */
  setHash(path: string, size: number, mtimeMs: number, sha256: string): void {
    this.transaction(() => {
      this.db.prepare("DELETE FROM file_hashes WHERE path = ?").run(path);
      this.db.prepare("INSERT INTO file_hashes (path, size, mtime_ms, sha256, hashed_at) VALUES (?, ?, ?, ?, ?)").run(path, size, mtimeMs, sha256, new Date().toISOString());
    });
  }

  setHashError(path: string, message: string): void {
    this.db.prepare("UPDATE model_files SET hash_error = ? WHERE path = ?").run(message.slice(0, 500), path);
  }

  hashPending(): number {
    return countSchema.parse(this.db.prepare(`SELECT COUNT(*) AS n FROM (${ITEMS}) WHERE sha256 IS NULL AND hash_error IS NULL`).get()).n;
  }

  /** Returns a hash of a listed file with no CivitAI lookup yet, or whose failed lookup is older than `retryBefore`. */
  nextToLookUp(retryBefore: string): string | null {
    const row = this.db
      .prepare(
        `SELECT DISTINCT h.sha256 FROM model_files f
         JOIN file_hashes h ON h.path = f.path AND h.size = f.size AND h.mtime_ms = f.mtime_ms
         LEFT JOIN civitai_lookups c ON c.sha256 = h.sha256
         WHERE c.sha256 IS NULL OR (c.state = 'error' AND c.checked_at < ?) LIMIT 1`,
      )
      .get(retryBefore);
    return row === undefined ? null : z.object({ sha256: z.string() }).parse(row).sha256;
  }

  setLookup(sha256: string, state: "found" | "not_found" | "error", info: CivitaiInfo | null): void {
    this.db
      .prepare("INSERT OR REPLACE INTO civitai_lookups (sha256, state, info, checked_at) VALUES (?, ?, ?, ?)")
      .run(sha256, state, info === null ? null : JSON.stringify(info), new Date().toISOString());
  }

  list(query: ListQuery): { items: LibraryItem[]; total: number } {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (query.folder !== undefined) {
      where.push("folder = ?");
      params.push(query.folder);
    }
    const needle = query.search?.trim() ?? "";
    if (needle !== "") {
      const like = `%${needle.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
      where.push("(relative_path LIKE ? ESCAPE '\\' OR civitai_info LIKE ? ESCAPE '\\' OR sha256 LIKE ? ESCAPE '\\')");
      params.push(like, like, like);
    }
    const filter = where.length === 0 ? "" : `WHERE ${where.join(" AND ")}`;
    const total = countSchema.parse(this.db.prepare(`SELECT COUNT(*) AS n FROM (${ITEMS}) ${filter}`).get(...params)).n;
    const rows = this.db.prepare(`SELECT * FROM (${ITEMS}) ${filter} ORDER BY folder, relative_path LIMIT ? OFFSET ?`).all(...params, query.limit, query.offset);
    return { items: rows.map(toItem), total };
  }

  folders(): { folder: string; count: number; size_bytes: number }[] {
    const rows = this.db.prepare("SELECT folder, COUNT(*) AS count, SUM(size) AS size_bytes FROM model_files GROUP BY folder ORDER BY folder").all();
    return rows.map((row) => z.object({ folder: z.string(), count: z.number().int(), size_bytes: z.number().int() }).parse(row));
  }

  item(path: string): LibraryItem | null {
    const row = this.db.prepare(`SELECT * FROM (${ITEMS}) WHERE path = ?`).get(path);
    return row === undefined ? null : toItem(row);
  }

  /** Listed paths whose cached hash is `sha256`. */
  pathsWithHash(sha256: string): string[] {
    const rows = this.db.prepare(`SELECT path FROM (${ITEMS}) WHERE sha256 = ? ORDER BY path`).all(sha256);
    return rows.map((row) => z.object({ path: z.string() }).parse(row).path);
  }

  duplicates(): { sha256: string; size_bytes: number; paths: string[] }[] {
    const rows = this.db.prepare(`SELECT sha256, size FROM (${ITEMS}) WHERE n > 1 GROUP BY sha256 ORDER BY size DESC`).all();
    return rows.map((row) => {
      const { sha256, size } = z.object({ sha256: z.string(), size: z.number().int() }).parse(row);
      return { sha256, size_bytes: size, paths: this.pathsWithHash(sha256) };
    });
  }

  remove(path: string): void {
    this.db.prepare("DELETE FROM model_files WHERE path = ?").run(path);
    this.db.prepare("DELETE FROM file_hashes WHERE path = ?").run(path);
  }

  private transaction(work: () => void): void {
    this.db.exec("BEGIN");
    try {
      work();
      this.db.exec("COMMIT");
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }
}

function toItem(raw: unknown): LibraryItem {
  const row = itemRowSchema.parse(raw);
  const info = row.civitai_info === null ? null : civitaiInfoSchema.safeParse(JSON.parse(row.civitai_info));
  let hashState: LibraryItem["hash_state"] = "pending";
  if (row.sha256 !== null) {
    hashState = "done";
  } else if (row.hash_error !== null) {
    hashState = "error";
  }
  return {
    path: row.path,
    folder: row.folder,
    relative_path: row.relative_path,
    name: row.name,
    size_bytes: row.size,
    modified_at: new Date(row.mtime_ms).toISOString(),
    sha256: row.sha256,
    hash_state: hashState,
    civitai_state: row.sha256 === null || row.civitai_state === null ? "pending" : row.civitai_state,
    civitai: info?.success === true ? info.data : null,
    duplicate_count: Math.max(0, row.n - 1),
  };
}
