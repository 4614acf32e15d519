import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";

import { z } from "zod";

import { parseValue, wireErrorSchema } from "@comfycarry/shared";

import type { CommandOutcome } from "../link/edge-link.js";

// Executed command ids and their outcomes, in SQLite under the state dir, so an id the
// edge re-sends after a reconnect or a reporter restart is answered from here instead of
// running twice.

const outcomeSchema = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: wireErrorSchema }),
]);

const rowSchema = z.object({ outcome: z.string().nullable() });

/** What claiming an id found: it is ours to run, it ran before, or it is still running elsewhere. */
export type Claim = { kind: "claimed" } | { kind: "done"; outcome: CommandOutcome } | { kind: "running" };

export interface CommandStoreOptions {
  /** Path of the SQLite file; `:memory:` for a throwaway store. */
  path: string;
  /** Finished rows older than this are pruned, in ms. Edge deadlines are at most 10 minutes, so a day is ample. */
  retentionMs?: number;
  /** Newest rows kept at most. */
  maxRows?: number;
  now?: () => number;
}

/** The table of executed command ids. */
export class CommandStore {
  readonly #db: DatabaseSync;
  readonly #retentionMs: number;
  readonly #maxRows: number;
  readonly #now: () => number;

  constructor(options: CommandStoreOptions) {
    if (options.path !== ":memory:") {
      mkdirSync(dirname(options.path), { recursive: true, mode: 0o700 });
    }
    this.#db = new DatabaseSync(options.path);
    this.#retentionMs = options.retentionMs ?? 24 * 60 * 60_000;
    this.#maxRows = options.maxRows ?? 10_000;
    this.#now = options.now ?? Date.now;

    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA busy_timeout = 2000;
      CREATE TABLE IF NOT EXISTS executed_commands (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        outcome TEXT
      );
      CREATE INDEX IF NOT EXISTS executed_commands_started ON executed_commands (started_at);
    `);
  }

  /**
   * Marks commands that were running when a previous reporter process stopped as failed.
   * They are not retried: a half-done restart or queue clear must not run a second time.
   * Returns how many rows were closed.
   */
  closeInterrupted(): number {
    const outcome: CommandOutcome = {
      ok: false,
      error: { code: "command_failed", message: "the reporter stopped while running this command; it was not run again" },
    };
    const result = this.#db
      .prepare("UPDATE executed_commands SET outcome = ?, finished_at = ? WHERE outcome IS NULL")
      .run(JSON.stringify(outcome), this.#now());
    return Number(result.changes);
  }

  /** Claims `id` for execution; only the first claim of an id ever gets `claimed`. */
  claim(id: string, name: string): Claim {
    const inserted = this.#db
      .prepare("INSERT OR IGNORE INTO executed_commands (id, name, started_at) VALUES (?, ?, ?)")
      .run(id, name, this.#now());
    if (Number(inserted.changes) === 1) {
      return { kind: "claimed" };
    }

    const row = parseValue(rowSchema, this.#db.prepare("SELECT outcome FROM executed_commands WHERE id = ?").get(id));
    if (!row.ok || row.value.outcome === null) {
      return { kind: "running" };
    }
    return { kind: "done", outcome: this.#decode(row.value.outcome) };
  }

  /** Stores the outcome of a claimed id. */
  finish(id: string, outcome: CommandOutcome): void {
    this.#db.prepare("UPDATE executed_commands SET outcome = ?, finished_at = ? WHERE id = ?").run(JSON.stringify(outcome), this.#now(), id);
  }

  /** Deletes finished rows past the retention time and beyond the row cap; returns how many went. */
  prune(): number {
    const old = this.#db
      .prepare("DELETE FROM executed_commands WHERE outcome IS NOT NULL AND started_at < ?")
      .run(this.#now() - this.#retentionMs);
    const excess = this.#db
      .prepare("DELETE FROM executed_commands WHERE id NOT IN (SELECT id FROM executed_commands ORDER BY started_at DESC LIMIT ?)")
      .run(this.#maxRows);
    return Number(old.changes) + Number(excess.changes);
  }

  close(): void {
    this.#db.close();
  }

  #decode(text: string): CommandOutcome {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = null;
    }
    const parsed = parseValue(outcomeSchema, json);
    if (parsed.ok) {
      return parsed.value;
    }
    return { ok: false, error: { code: "internal_error", message: "the stored result of this command is unreadable; it was not run again" } };
  }
}
