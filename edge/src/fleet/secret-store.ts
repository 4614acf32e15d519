/**
 * @module Stored secrets as AES-GCM ciphertext (see secrets/cipher.ts); this table never
 * contains a plain value, and the fleet object never decrypts one.
 */
import { secretNameSchema, toUtcTimestamp } from "@comfycarry/shared";
import type { SecretName } from "@comfycarry/shared";
import { z } from "zod";

const statusRowSchema = z.object({ name: secretNameSchema, updated_at: z.number() });
const cipherRowSchema = z.object({ ciphertext: z.string() });

export class SecretStore {
  constructor(private readonly sql: SqlStorage) {}

  set(name: SecretName, ciphertext: string, now: number): void {
    this.sql.exec("INSERT OR REPLACE INTO secrets (name, ciphertext, updated_at) VALUES (?, ?, ?)", name, ciphertext, now);
  }

  /** Returns whether a value was stored. */
  clear(name: SecretName): boolean {
    return this.sql.exec("DELETE FROM secrets WHERE name = ?", name).rowsWritten > 0;
  }

  /** Returns when each stored secret was last set. */
  updatedAt(): Map<SecretName, string> {
    const rows = this.sql.exec("SELECT name, updated_at FROM secrets").toArray().map((row) => statusRowSchema.parse(row));
    return new Map(rows.map((row) => [row.name, toUtcTimestamp(new Date(row.updated_at))]));
  }

  ciphertext(name: SecretName): string | null {
    const [row] = this.sql.exec("SELECT ciphertext FROM secrets WHERE name = ?", name).toArray();
    return row === undefined ? null : cipherRowSchema.parse(row).ciphertext;
  }
}
