/**
 * @module Server-side session records, keyed by the SHA-256 of the session id in the cookie,
 * so a session can be ended from here ("sign out everywhere", password change) and a copy of
 * this table alone does not let anyone sign in.
 */
import { z } from "zod";

/** `last_seen_at` is rewritten at most this often, to keep row writes down. */
const TOUCH_INTERVAL_MS = 60_000;

const rowSchema = z.object({ expires_at: z.number(), last_seen_at: z.number() });

export class SessionStore {
  constructor(private readonly sql: SqlStorage) {}

  /** Records a new session and drops the expired ones. */
  create(idHash: string, now: number, expiresAt: number): void {
    this.sql.exec("DELETE FROM sessions WHERE expires_at <= ?", now);
    this.sql.exec("INSERT INTO sessions (id_hash, created_at, expires_at, last_seen_at) VALUES (?, ?, ?, ?)", idHash, now, expiresAt, now);
  }

  /** Returns the session's expiry when it exists and has not expired at `now`, else null. */
  check(idHash: string, now: number): number | null {
    const [row] = this.sql.exec("SELECT expires_at, last_seen_at FROM sessions WHERE id_hash = ?", idHash).toArray();
    if (row === undefined) {
      return null;
    }
    const session = rowSchema.parse(row);
    if (session.expires_at <= now) {
      this.sql.exec("DELETE FROM sessions WHERE id_hash = ?", idHash);
      return null;
    }
    if (now - session.last_seen_at > TOUCH_INTERVAL_MS) {
      this.sql.exec("UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?", now, idHash);
    }
    return session.expires_at;
  }

  end(idHash: string): void {
    this.sql.exec("DELETE FROM sessions WHERE id_hash = ?", idHash);
  }

  /** Ends every session; returns how many there were. */
  endAll(): number {
    return this.sql.exec("DELETE FROM sessions").rowsWritten;
  }
}
