/**
 * @module API tokens and enrollment keys: named, stored as SHA-256 hashes, listed with their
 * last use, revoked by deleting the row. Both kinds share a table; `kind` keeps them apart so
 * an enrollment key can never pass as an API token or the reverse.
 */
import { apiScopeSchema, toUtcTimestamp } from "@comfycarry/shared";
import type { ApiScope, ApiToken, EnrollmentKey } from "@comfycarry/shared";
import { z } from "zod";

export type CredentialKind = "api_token" | "enrollment_key";

/** `last_used_at` is rewritten at most this often, to keep row writes down. */
const TOUCH_INTERVAL_MS = 60_000;

const rowSchema = z.object({
  id: z.string(),
  name: z.string(),
  scope: apiScopeSchema.nullable(),
  created_at: z.number(),
  last_used_at: z.number().nullable(),
  use_count: z.number(),
});
type Row = z.infer<typeof rowSchema>;

const COLUMNS = "id, name, scope, created_at, last_used_at, use_count";

function iso(ms: number | null): string | null {
  return ms === null ? null : toUtcTimestamp(new Date(ms));
}

function toApiToken(row: Row): ApiToken {
  return { id: row.id, name: row.name, scope: row.scope ?? "read", created_at: toUtcTimestamp(new Date(row.created_at)), last_used_at: iso(row.last_used_at) };
}

function toEnrollmentKey(row: Row): EnrollmentKey {
  return { id: row.id, name: row.name, created_at: toUtcTimestamp(new Date(row.created_at)), last_used_at: iso(row.last_used_at), use_count: row.use_count };
}

export class CredentialStore {
  constructor(private readonly sql: SqlStorage) {}

  private rows(kind: CredentialKind): Row[] {
    return this.sql.exec(`SELECT ${COLUMNS} FROM credentials WHERE kind = ? ORDER BY created_at, id`, kind).toArray().map((row) => rowSchema.parse(row));
  }

  /** Looks a credential up by hash and records the use; null when unknown, revoked or of another kind. */
  private use(kind: CredentialKind, hash: string, now: number, countUse: boolean): Row | null {
    const [raw] = this.sql.exec(`SELECT ${COLUMNS} FROM credentials WHERE kind = ? AND hash = ?`, kind, hash).toArray();
    if (raw === undefined) {
      return null;
    }
    const row = rowSchema.parse(raw);
    if (countUse) {
      this.sql.exec("UPDATE credentials SET last_used_at = ?, use_count = use_count + 1 WHERE id = ?", now, row.id);
    } else if (row.last_used_at === null || now - row.last_used_at > TOUCH_INTERVAL_MS) {
      this.sql.exec("UPDATE credentials SET last_used_at = ? WHERE id = ?", now, row.id);
    }
    return row;
  }

  add(kind: CredentialKind, id: string, name: string, scope: ApiScope | null, hash: string, now: number): void {
    this.sql.exec("INSERT INTO credentials (id, kind, name, scope, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)", id, kind, name, scope, hash, now);
  }

  /** Deletes the credential; returns false when no credential of `kind` has that id. */
  revoke(kind: CredentialKind, id: string): boolean {
    return this.sql.exec("DELETE FROM credentials WHERE kind = ? AND id = ?", kind, id).rowsWritten > 0;
  }

  listApiTokens(): ApiToken[] {
    return this.rows("api_token").map(toApiToken);
  }

  listEnrollmentKeys(): EnrollmentKey[] {
    return this.rows("enrollment_key").map(toEnrollmentKey);
  }

  useApiToken(hash: string, now: number): ApiToken | null {
    const row = this.use("api_token", hash, now, false);
    return row === null ? null : toApiToken(row);
  }

  /** Looks an enrollment key up and counts the use, so the Settings page can show how often a key was used. */
  useEnrollmentKey(hash: string, now: number): EnrollmentKey | null {
    const row = this.use("enrollment_key", hash, now, true);
    return row === null ? null : toEnrollmentKey(row);
  }
}
