/**
 * @module The owner's password hash (one row). `source` says where it came from: adopted from
 * DASHBOARD_PASSWORD, chosen at first-run setup, or changed in Settings. `env_fingerprint` is
 * a separate PBKDF2 hash of the DASHBOARD_PASSWORD value last adopted, so a new value can be
 * recognised (that is how a forgotten password is reset) without keeping the old one.
 */
import { z } from "zod";

import { passwordHashSchema } from "../auth/password.js";
import type { PasswordHash } from "../auth/password.js";

export const ownerSourceSchema = z.enum(["env", "setup", "changed"]);
export type OwnerSource = z.infer<typeof ownerSourceSchema>;

export type OwnerRecord = { password: PasswordHash; source: OwnerSource; envFingerprint: PasswordHash | null; updatedAt: number };

const rowSchema = z.object({
  password_hash: z.string(),
  source: ownerSourceSchema,
  env_fingerprint: z.string().nullable(),
  updated_at: z.number(),
});

function parseHash(text: string): PasswordHash {
  return passwordHashSchema.parse(JSON.parse(text));
}

export class OwnerStore {
  constructor(private readonly sql: SqlStorage) {}

  get(): OwnerRecord | null {
    const [row] = this.sql.exec("SELECT password_hash, source, env_fingerprint, updated_at FROM owner WHERE id = 1").toArray();
    if (row === undefined) {
      return null;
    }
    const parsed = rowSchema.parse(row);
    return {
      password: parseHash(parsed.password_hash),
      source: parsed.source,
      envFingerprint: parsed.env_fingerprint === null ? null : parseHash(parsed.env_fingerprint),
      updatedAt: parsed.updated_at,
    };
  }

  set(record: OwnerRecord): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO owner (id, password_hash, source, env_fingerprint, updated_at) VALUES (1, ?, ?, ?, ?)",
      JSON.stringify(record.password),
      record.source,
      record.envFingerprint === null ? null : JSON.stringify(record.envFingerprint),
      record.updatedAt,
    );
  }

  /** Stores `record` only when no owner password exists yet; returns whether it did. */
  setIfAbsent(record: OwnerRecord): boolean {
    if (this.get() !== null) {
      return false;
    }
    this.set(record);
    return true;
  }
}
