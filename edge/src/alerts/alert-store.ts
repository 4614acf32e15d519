/**
 * @module Alerts of one instance in its object's SQLite: every raised alert with its clear and
 * acknowledge times, plus the first sighting of conditions that have not held long enough yet.
 * At most one alert per key is active.
 */
import { alertParamsSchema, alertRuleSchema, alertSeveritySchema, alertStateSchema, toUtcTimestamp } from "@comfycarry/shared";
import type { Alert, AlertQuery } from "@comfycarry/shared";
import { z } from "zod";

import type { Condition } from "./conditions.js";

/** Cleared alerts kept per instance; older ones are deleted first. */
export const CLEARED_ALERTS_KEPT = 200;

const rowSchema = z.object({
  id: z.string(),
  key: z.string(),
  rule: alertRuleSchema,
  severity: alertSeveritySchema,
  state: alertStateSchema,
  raised_at: z.number(),
  cleared_at: z.number().nullable(),
  acknowledged_at: z.number().nullable(),
  params: z.string(),
});
type Row = z.infer<typeof rowSchema>;

const pendingRowSchema = z.object({ key: z.string(), first_seen_at: z.number() });

function iso(ms: number | null): string | null {
  return ms === null ? null : toUtcTimestamp(new Date(ms));
}

const COLUMNS = "id, key, rule, severity, state, raised_at, cleared_at, acknowledged_at, params";

export class AlertStore {
  constructor(
    private readonly instanceId: string,
    private readonly sql: SqlStorage,
  ) {
    sql.exec(`CREATE TABLE IF NOT EXISTS alerts (
      id TEXT PRIMARY KEY, key TEXT NOT NULL, rule TEXT NOT NULL, severity TEXT NOT NULL, state TEXT NOT NULL,
      raised_at INTEGER NOT NULL, cleared_at INTEGER, acknowledged_at INTEGER, params TEXT NOT NULL)`);
    sql.exec("CREATE UNIQUE INDEX IF NOT EXISTS alerts_one_active ON alerts (key) WHERE state = 'active'");
    sql.exec("CREATE TABLE IF NOT EXISTS alert_pending (key TEXT PRIMARY KEY, first_seen_at INTEGER NOT NULL)");
  }

  /** Returns the active alerts by key. */
  active(): Map<string, Alert> {
    const rows = this.sql.exec(`SELECT ${COLUMNS} FROM alerts WHERE state = 'active'`).toArray();
    return new Map(rows.map((raw) => this.toAlert(rowSchema.parse(raw))).map((alert) => [alert.key, alert]));
  }

  /** Returns alerts newest first, filtered by state. */
  list(query: AlertQuery): Alert[] {
    const where = query.state === "all" ? "" : "WHERE state = ?";
    const bindings: Array<string | number> = query.state === "all" ? [query.limit] : [query.state, query.limit];
    const rows = this.sql.exec(`SELECT ${COLUMNS} FROM alerts ${where} ORDER BY raised_at DESC, id DESC LIMIT ?`, ...bindings).toArray();
    return rows.map((raw) => this.toAlert(rowSchema.parse(raw)));
  }

  get(id: string): Alert | null {
    const [raw] = this.sql.exec(`SELECT ${COLUMNS} FROM alerts WHERE id = ?`, id).toArray();
    return raw === undefined ? null : this.toAlert(rowSchema.parse(raw));
  }

  raise(condition: Condition, now: number): Alert {
    const id = crypto.randomUUID();
    this.sql.exec(
      `INSERT INTO alerts (${COLUMNS}) VALUES (?, ?, ?, ?, 'active', ?, NULL, NULL, ?)`,
      id,
      condition.key,
      condition.rule,
      condition.severity,
      now,
      JSON.stringify(condition.params),
    );
    this.sql.exec("DELETE FROM alert_pending WHERE key = ?", condition.key);
    const raised = this.get(id);
    if (raised === null) {
      throw new Error(`alert ${id} was not stored`);
    }
    return raised;
  }

  clear(alert: Alert, now: number): Alert {
    this.sql.exec("UPDATE alerts SET state = 'cleared', cleared_at = ? WHERE id = ?", now, alert.id);
    this.pruneCleared();
    return { ...alert, state: "cleared", cleared_at: iso(now) };
  }

  /** Marks an alert acknowledged; returns it, or null when no alert has that id. */
  acknowledge(id: string, now: number): Alert | null {
    this.sql.exec("UPDATE alerts SET acknowledged_at = COALESCE(acknowledged_at, ?) WHERE id = ?", now, id);
    return this.get(id);
  }

  /** Returns when `key` was first seen holding, recording `now` when it was not pending yet. */
  firstSeen(key: string, now: number): number {
    const [raw] = this.sql.exec("SELECT key, first_seen_at FROM alert_pending WHERE key = ?", key).toArray();
    if (raw !== undefined) {
      return pendingRowSchema.parse(raw).first_seen_at;
    }
    this.sql.exec("INSERT INTO alert_pending (key, first_seen_at) VALUES (?, ?)", key, now);
    return now;
  }

  /** Forgets pending conditions that no longer hold. */
  dropPendingExcept(keys: ReadonlySet<string>): void {
    const rows = this.sql.exec("SELECT key, first_seen_at FROM alert_pending").toArray().map((raw) => pendingRowSchema.parse(raw));
    for (const row of rows) {
      if (!keys.has(row.key)) {
        this.sql.exec("DELETE FROM alert_pending WHERE key = ?", row.key);
      }
    }
  }

  /** Moves every stored time `ms` into the past; the test clock. */
  rewind(ms: number): void {
    this.sql.exec("UPDATE alerts SET raised_at = raised_at - ?, cleared_at = cleared_at - ?, acknowledged_at = acknowledged_at - ?", ms, ms, ms);
    this.sql.exec("UPDATE alert_pending SET first_seen_at = first_seen_at - ?", ms);
  }

  private pruneCleared(): void {
    this.sql.exec(
      "DELETE FROM alerts WHERE state = 'cleared' AND id NOT IN (SELECT id FROM alerts WHERE state = 'cleared' ORDER BY raised_at DESC LIMIT ?)",
      CLEARED_ALERTS_KEPT,
    );
  }

  private toAlert(row: Row): Alert {
    return {
      id: row.id,
      instance_id: this.instanceId,
      rule: row.rule,
      key: row.key,
      severity: row.severity,
      state: row.state,
      raised_at: iso(row.raised_at) ?? toUtcTimestamp(),
      cleared_at: iso(row.cleared_at),
      acknowledged_at: iso(row.acknowledged_at),
      params: alertParamsSchema.parse(JSON.parse(row.params)),
    };
  }
}
