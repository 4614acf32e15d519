/**
 * @module The `instances` table: every instance, its name, creation time and the SHA-256 hash
 * of its reporter token (null once revoked).
 */
import { instanceIdSchema, utcTimestampSchema } from "@comfycarry/shared";
import { z } from "zod";

const rowSchema = z.object({ id: instanceIdSchema, name: z.string(), created_at: utcTimestampSchema });

/** One registered instance, without its token hash. */
export type InstanceRecord = { instance_id: string; name: string; created_at: string };

/** Outcome of enrolling by name: an existing instance taken over, or a new one registered. */
export type EnrollOutcome = { instance: InstanceRecord; replaced: boolean };

function toRecord(row: unknown): InstanceRecord {
  const { id, name, created_at } = rowSchema.parse(row);
  return { instance_id: id, name, created_at };
}

const COLUMNS = "id, name, created_at";

export class InstanceRegistry {
  constructor(private readonly sql: SqlStorage) {}

  /** Inserts an instance; returns false, changing nothing, when the id is already taken. */
  add(record: InstanceRecord, tokenHash: string): boolean {
    if (this.get(record.instance_id) !== null) {
      return false;
    }
    this.sql.exec("INSERT INTO instances (id, name, token_hash, created_at) VALUES (?, ?, ?, ?)", record.instance_id, record.name, tokenHash, record.created_at);
    return true;
  }

  /**
   * Gives the newest instance named `name` the token `tokenHash`, or registers `fresh` with it
   * when no instance has that name. Runs without awaiting, so two enrollments with one name
   * cannot both create an instance.
   */
  enrollByName(name: string, tokenHash: string, fresh: InstanceRecord): EnrollOutcome | null {
    const [existing] = this.sql.exec(`SELECT ${COLUMNS} FROM instances WHERE name = ? ORDER BY created_at DESC, id DESC LIMIT 1`, name).toArray();
    if (existing !== undefined) {
      const instance = toRecord(existing);
      this.setTokenHash(instance.instance_id, tokenHash);
      return { instance, replaced: true };
    }
    return this.add(fresh, tokenHash) ? { instance: fresh, replaced: false } : null;
  }

  get(instanceId: string): InstanceRecord | null {
    const [row] = this.sql.exec(`SELECT ${COLUMNS} FROM instances WHERE id = ?`, instanceId).toArray();
    return row === undefined ? null : toRecord(row);
  }

  /** Returns every instance, oldest first. */
  list(): InstanceRecord[] {
    return this.sql.exec(`SELECT ${COLUMNS} FROM instances ORDER BY created_at, id`).toArray().map(toRecord);
  }

  /** Returns the instance whose reporter token hashes to `tokenHash`, or null. */
  findByTokenHash(tokenHash: string): InstanceRecord | null {
    const [row] = this.sql.exec(`SELECT ${COLUMNS} FROM instances WHERE token_hash = ?`, tokenHash).toArray();
    return row === undefined ? null : toRecord(row);
  }

  /** Replaces (or with null, revokes) an instance's token; returns false for an unknown id. */
  setTokenHash(instanceId: string, tokenHash: string | null): boolean {
    return this.sql.exec("UPDATE instances SET token_hash = ? WHERE id = ?", tokenHash, instanceId).rowsWritten > 0;
  }

  rename(instanceId: string, name: string): InstanceRecord | null {
    this.sql.exec("UPDATE instances SET name = ? WHERE id = ?", name, instanceId);
    return this.get(instanceId);
  }

  /** Deletes an instance and with it its token; returns false for an unknown id. */
  remove(instanceId: string): boolean {
    return this.sql.exec("DELETE FROM instances WHERE id = ?", instanceId).rowsWritten > 0;
  }
}
