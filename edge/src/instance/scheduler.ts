/**
 * @module Many named deadlines on the object's single alarm. Each deadline is a row in SQLite
 * with a key and a due time. The alarm handler takes what is due, and the scheduler re-arms the
 * alarm for the earliest row left. Every `setAlarm` is a billed row write, so the alarm is only moved
 * when the earliest deadline changes.
 */

type Row = { key: string; due_at: number };

function isRow(row: Record<string, SqlStorageValue>): row is Row {
  return typeof row.key === "string" && typeof row.due_at === "number";
}

/** The storage methods the scheduler uses. */
export type SchedulerStorage = Pick<DurableObjectStorage, "sql" | "getAlarm" | "setAlarm" | "deleteAlarm">;

export class DeadlineScheduler {
  /**
   * `computedDue` returns a deadline kept outside the table (the heartbeat, computed from the
   * sockets), so re-arming it writes no deadline rows; `arm` includes it.
   */
  constructor(
    private readonly storage: SchedulerStorage,
    private readonly computedDue: () => number | null = () => null,
  ) {
    storage.sql.exec("CREATE TABLE IF NOT EXISTS deadlines (key TEXT PRIMARY KEY, due_at INTEGER NOT NULL)");
  }

  /** Sets deadline `key` to `dueAt` (epoch ms), replacing an earlier setting. */
  async schedule(key: string, dueAt: number): Promise<void> {
    this.storage.sql.exec("INSERT OR REPLACE INTO deadlines (key, due_at) VALUES (?, ?)", key, dueAt);
    await this.arm();
  }

  /** Sets deadline `key` to `dueAt` unless it is already due sooner. */
  async scheduleNoLaterThan(key: string, dueAt: number): Promise<void> {
    const current = this.dueAt(key);
    if (current === null || dueAt < current) {
      await this.schedule(key, dueAt);
    }
  }

  /** Removes deadline `key` if it exists. */
  async cancel(key: string): Promise<void> {
    this.storage.sql.exec("DELETE FROM deadlines WHERE key = ?", key);
    await this.arm();
  }

  /** Returns when `key` is due, or null when it is not scheduled. */
  dueAt(key: string): number | null {
    const [row] = this.storage.sql.exec("SELECT key, due_at FROM deadlines WHERE key = ?", key).toArray().filter(isRow);
    return row === undefined ? null : row.due_at;
  }

  /** Removes and returns the keys due at `now`, earliest first. The caller re-arms with `arm()`. */
  takeDue(now: number): string[] {
    const due = this.storage.sql.exec("SELECT key, due_at FROM deadlines WHERE due_at <= ? ORDER BY due_at", now).toArray().filter(isRow);
    for (const row of due) {
      this.storage.sql.exec("DELETE FROM deadlines WHERE key = ?", row.key);
    }
    return due.map((row) => row.key);
  }

  /** Points the alarm at the earliest deadline, or clears it when none is left. */
  async arm(): Promise<void> {
    const [next] = this.storage.sql.exec("SELECT key, due_at FROM deadlines ORDER BY due_at LIMIT 1").toArray().filter(isRow);
    const computed = this.computedDue();
    const dueAt = next === undefined ? computed : Math.min(next.due_at, computed ?? next.due_at);
    const current = await this.storage.getAlarm();
    if (dueAt === null) {
      if (current !== null) {
        await this.storage.deleteAlarm();
      }
      return;
    }
    if (current !== dueAt) {
      await this.storage.setAlarm(dueAt);
    }
  }
}
