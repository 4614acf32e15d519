/**
 * The prompt journal in SQLite: every prompt seen in ComfyUI's queue, with its graph, so a
 * prompt lost in a crash or restart can be listed and queued again after the reporter restarts.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";

import { parseValue, toUtcTimestamp } from "@comfycarry/shared";
import type { JournaledPrompt } from "@comfycarry/shared";
import { journaledPromptStateSchema } from "@comfycarry/shared";
import { z } from "zod";

export type PromptState = z.infer<typeof journaledPromptStateSchema>;

const rowSchema = z.object({
  prompt_id: z.string(),
  state: journaledPromptStateSchema,
  queued_at: z.string(),
  ended_at: z.string().nullable(),
  node_count: z.number(),
  requeued_as: z.string().nullable(),
  reason: z.string().nullable(),
});

const graphRowSchema = z.object({ graph: z.string(), extra: z.string() });

/** Rows kept; the oldest finished ones go first. */
const MAX_ROWS = 2_000;

export class PromptStore {
  readonly #db: DatabaseSync;

  /**
   * Opens the journal in WAL mode with synchronous=NORMAL: a commit then waits for no fsync,
   * which blocked the event loop for about 3 ms per write on a loaded host. A reporter crash
   * loses nothing, but an OS crash or power loss may drop the last few writes.
   */
  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.#db = new DatabaseSync(path);
    this.#db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA busy_timeout = 2000;
      CREATE TABLE IF NOT EXISTS prompts (
        prompt_id TEXT PRIMARY KEY,
        graph TEXT NOT NULL,
        extra TEXT NOT NULL,
        node_count INTEGER NOT NULL,
        state TEXT NOT NULL,
        queued_at TEXT NOT NULL,
        ended_at TEXT,
        requeued_as TEXT,
        reason TEXT
      );
    `);
  }

  /** Records a prompt the first time it is seen; a known one keeps its row. Returns whether it was new. */
  record(promptId: string, graph: object, extra: object, state: "queued" | "running"): boolean {
    const result = this.#db
      .prepare("INSERT OR IGNORE INTO prompts (prompt_id, graph, extra, node_count, state, queued_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(promptId, JSON.stringify(graph), JSON.stringify(extra), Object.keys(graph).length, state, toUtcTimestamp());
    return Number(result.changes) > 0;
  }

  /** Moves an open prompt (queued or running) to `state`; finished prompts are never reopened or changed. */
  settle(promptId: string, state: PromptState, reason: string | null = null): void {
    const ended = state === "queued" || state === "running" ? null : toUtcTimestamp();
    this.#db.prepare("UPDATE prompts SET state = ?, ended_at = ?, reason = ? WHERE prompt_id = ? AND state IN ('queued', 'running')").run(state, ended, reason, promptId);
  }

  markRequeued(promptId: string, newId: string): void {
    this.#db.prepare("UPDATE prompts SET state = 'requeued', requeued_as = ? WHERE prompt_id = ?").run(newId, promptId);
  }

  open(): string[] {
    return this.#db
      .prepare("SELECT prompt_id FROM prompts WHERE state IN ('queued', 'running')")
      .all()
      .map((row) => String(row["prompt_id"]));
  }

  get(promptId: string): JournaledPrompt | null {
    return this.#rows("SELECT prompt_id, state, queued_at, ended_at, node_count, requeued_as, reason FROM prompts WHERE prompt_id = ?", promptId)[0] ?? null;
  }

  graph(promptId: string): { graph: unknown; extra: unknown } | null {
    const row = this.#db.prepare("SELECT graph, extra FROM prompts WHERE prompt_id = ?").get(promptId);
    const parsed = parseValue(graphRowSchema, row);
    return parsed.ok ? { graph: JSON.parse(parsed.value.graph) as unknown, extra: JSON.parse(parsed.value.extra) as unknown } : null;
  }

  /** Newest first. */
  list(limit: number): JournaledPrompt[] {
    return this.#rows("SELECT prompt_id, state, queued_at, ended_at, node_count, requeued_as, reason FROM prompts ORDER BY queued_at DESC, rowid DESC LIMIT ?", limit);
  }

  prune(): void {
    this.#db.prepare("DELETE FROM prompts WHERE rowid NOT IN (SELECT rowid FROM prompts ORDER BY rowid DESC LIMIT ?) AND state NOT IN ('queued', 'running')").run(MAX_ROWS);
  }

  close(): void {
    this.#db.close();
  }

  #rows(sql: string, ...params: Array<string | number>): JournaledPrompt[] {
    return this.#db
      .prepare(sql)
      .all(...params)
      .flatMap((row) => {
        const parsed = parseValue(rowSchema, row);
        return parsed.ok ? [{ ...parsed.value, queued_at: parsed.value.queued_at as JournaledPrompt["queued_at"], ended_at: parsed.value.ended_at as JournaledPrompt["ended_at"] }] : [];
      });
  }
}
