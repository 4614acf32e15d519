/**
 * @module The fleet registry: one Durable Object (named "fleet") with a SQLite table of every
 * instance, its name, creation time and the SHA-256 hash of its reporter token.
 */
import { DurableObject } from "cloudflare:workers";
import { instanceIdSchema, utcTimestampSchema } from "@comfycarry/shared";
import { z } from "zod";

import type { Env } from "../env.js";

const rowSchema = z.object({ id: instanceIdSchema, name: z.string(), created_at: utcTimestampSchema });

/** One registered instance, without its token hash. */
export type InstanceRecord = { instance_id: string; name: string; created_at: string };

function toRecord(row: unknown): InstanceRecord {
  const { id, name, created_at } = rowSchema.parse(row);
  return { instance_id: id, name, created_at };
}

export class FleetObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS instances (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL
      )`,
    );
  }

  /** Inserts an instance; returns false, changing nothing, when the id is already taken. */
  addInstance(record: InstanceRecord, tokenHash: string): boolean {
    const sql = this.ctx.storage.sql;
    const idInUse = sql.exec("SELECT 1 FROM instances WHERE id = ?", record.instance_id).toArray().length > 0;
    if (idInUse) {
      return false;
    }
    sql.exec(
      "INSERT INTO instances (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)",
      record.instance_id,
      record.name,
      tokenHash,
      record.created_at,
    );
    return true;
  }

  /** Returns every instance, oldest first. */
  listInstances(): InstanceRecord[] {
    return this.ctx.storage.sql.exec("SELECT id, name, created_at FROM instances ORDER BY created_at, id").toArray().map(toRecord);
  }

  /** Returns the instance whose reporter token hashes to `tokenHash`, or null. */
  findByTokenHash(tokenHash: string): InstanceRecord | null {
    const rows = this.ctx.storage.sql.exec("SELECT id, name, created_at FROM instances WHERE token_hash = ?", tokenHash).toArray();
    const [row] = rows;
    return row === undefined ? null : toRecord(row);
  }
}
