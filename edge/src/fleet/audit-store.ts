/**
 * @module The audit log: who did what, when, on which instance, and how it ended. Commands
 * from browsers, API tokens and HTTP callers land here, as do security actions (enrollment,
 * tokens, secrets, password). Rows older than {@link AUDIT_RETENTION_MS} are dropped.
 */
import { actorKindSchema, errorCodeSchema, toUtcTimestamp } from "@comfycarry/shared";
import type { AuditActor, AuditEntry, AuditPage, AuditQuery } from "@comfycarry/shared";
import { z } from "zod";

export const AUDIT_RETENTION_MS = 90 * 24 * 60 * 60 * 1000;
const DEFAULT_PAGE_SIZE = 50;

/** An entry as a caller records it; the store adds the id. */
export type AuditRecord = {
  at: number;
  actor: AuditActor;
  instanceId: string | null;
  action: string;
  args: unknown;
  result: AuditEntry["result"];
};

const rowSchema = z.object({
  id: z.number(),
  at: z.number(),
  actor_kind: actorKindSchema,
  actor_name: z.string(),
  instance_id: z.string().nullable(),
  action: z.string(),
  args: z.string().nullable(),
  result: z.union([z.literal("ok"), errorCodeSchema]),
});

function parseArgs(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return value;
}

function toEntry(raw: unknown): AuditEntry {
  const row = rowSchema.parse(raw);
  return {
    id: row.id,
    at: toUtcTimestamp(new Date(row.at)),
    actor: { kind: row.actor_kind, name: row.actor_name },
    instance_id: row.instance_id,
    action: row.action,
    args: row.args === null ? null : parseArgs(row.args),
    result: row.result,
  };
}

export class AuditStore {
  constructor(private readonly sql: SqlStorage) {}

  record(entry: AuditRecord): void {
    this.sql.exec(
      "INSERT INTO audit (at, actor_kind, actor_name, instance_id, action, args, result) VALUES (?, ?, ?, ?, ?, ?, ?)",
      entry.at,
      entry.actor.kind,
      entry.actor.name,
      entry.instanceId,
      entry.action,
      entry.args === null || entry.args === undefined ? null : JSON.stringify(entry.args),
      entry.result,
    );
    this.sql.exec("DELETE FROM audit WHERE at < ?", entry.at - AUDIT_RETENTION_MS);
  }

  /** Returns entries matching every given filter, newest first. */
  query(filters: AuditQuery): AuditPage {
    const clauses: string[] = [];
    const params: (string | number)[] = [];
    const add = (clause: string, value: string | number | undefined): void => {
      if (value !== undefined) {
        clauses.push(clause);
        params.push(value);
      }
    };
    add("instance_id = ?", filters.instance_id);
    add("actor_name = ?", filters.actor);
    add("action = ?", filters.action);
    add("result = ?", filters.result);
    add("at >= ?", filters.since === undefined ? undefined : Date.parse(filters.since));
    add("id < ?", filters.before);

    const limit = filters.limit ?? DEFAULT_PAGE_SIZE;
    const where = clauses.length === 0 ? "" : `WHERE ${clauses.join(" AND ")}`;
    // One row more than the limit shows whether another page exists.
    const rows = this.sql.exec(`SELECT * FROM audit ${where} ORDER BY id DESC LIMIT ?`, ...params, limit + 1).toArray();
    const entries = rows.slice(0, limit).map(toEntry);
    const last = entries.at(-1);
    return { entries, next_before: rows.length > limit && last !== undefined ? last.id : null };
  }
}
