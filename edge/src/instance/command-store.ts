/**
 * @module Commands in flight, in SQLite, so a command outlives hibernation, eviction and
 * reporter reconnects. A row stays after it settles (with a result or timed out) for
 * {@link SETTLED_RETENTION_MS}, so a late or repeated result is recognised and dropped.
 */
import { commandIdSchema, commandNameSchema, requestIdSchema } from "@comfycarry/shared";
import type { CommandName } from "@comfycarry/shared";
import { z } from "zod";

/** How long settled rows are kept to recognise late results. */
export const SETTLED_RETENTION_MS = 60 * 60 * 1000;

const commandStateSchema = z.enum(["pending", "answered", "timed_out"]);
export type CommandState = z.infer<typeof commandStateSchema>;

const rowSchema = z.object({
  id: commandIdSchema,
  name: commandNameSchema,
  args: z.string(),
  deadline_at: z.number(),
  origin_connection: z.string().nullable(),
  request_id: requestIdSchema.nullable(),
  state: commandStateSchema,
  created_at: z.number(),
});

export type StoredCommand = {
  id: string;
  name: CommandName;
  args: unknown;
  /** Epoch ms after which the caller gets `command_timeout`. */
  deadlineAt: number;
  /** The browser connection that sent it, or null for an HTTP caller. */
  originConnection: string | null;
  requestId: string | null;
  state: CommandState;
  createdAt: number;
};

function toCommand(row: unknown): StoredCommand {
  const parsed = rowSchema.parse(row);
  return {
    id: parsed.id,
    name: parsed.name,
    args: JSON.parse(parsed.args),
    deadlineAt: parsed.deadline_at,
    originConnection: parsed.origin_connection,
    requestId: parsed.request_id,
    state: parsed.state,
    createdAt: parsed.created_at,
  };
}

export class CommandStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(
      `CREATE TABLE IF NOT EXISTS commands (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        args TEXT NOT NULL,
        deadline_at INTEGER NOT NULL,
        origin_connection TEXT,
        request_id TEXT,
        state TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        settled_at INTEGER
      )`,
    );
  }

  /** Stores a new pending command. */
  add(command: Omit<StoredCommand, "state">): void {
    this.sql.exec(
      `INSERT INTO commands (id, name, args, deadline_at, origin_connection, request_id, state, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'pending', ?)`,
      command.id,
      command.name,
      JSON.stringify(command.args ?? {}),
      command.deadlineAt,
      command.originConnection,
      command.requestId,
      command.createdAt,
    );
  }

  get(id: string): StoredCommand | null {
    const [row] = this.sql.exec("SELECT * FROM commands WHERE id = ?", id).toArray();
    return row === undefined ? null : toCommand(row);
  }

  /** Returns pending commands whose deadline is still ahead of `now`, oldest first. */
  pendingBefore(now: number): StoredCommand[] {
    return this.sql
      .exec("SELECT * FROM commands WHERE state = 'pending' AND deadline_at > ? ORDER BY created_at", now)
      .toArray()
      .map(toCommand);
  }

  /**
   * Moves a pending command to `state`. Returns false when it was no longer pending, which makes
   * each command settle exactly once however many results or alarms arrive.
   */
  settle(id: string, state: Exclude<CommandState, "pending">, now: number): boolean {
    const cursor = this.sql.exec("UPDATE commands SET state = ?, settled_at = ? WHERE id = ? AND state = 'pending'", state, now, id);
    // The statement runs as the cursor is consumed, and `rowsWritten` counts only what has run.
    cursor.toArray();
    return cursor.rowsWritten > 0;
  }

  /** Deletes rows that settled before `cutoff`. */
  purgeSettledBefore(cutoff: number): void {
    this.sql.exec("DELETE FROM commands WHERE state != 'pending' AND settled_at < ?", cutoff);
  }
}
