/**
 * @module Uptime and idle time of one instance, kept in its object's KV storage. The record
 * changes only when the link goes up or down or the instance turns idle or busy, so a stream
 * of unchanged snapshots writes nothing.
 */
import { z } from "zod";

const ACTIVITY_KEY = "activity";

const activitySchema = z.object({
  version: z.literal(1),
  /** Connected time summed over finished connections, in ms. */
  onlineMs: z.number().nonnegative(),
  /** Start of the current connection, or null while offline. */
  onlineSince: z.number().nullable(),
  /** Idle time summed over finished idle stretches, in ms. */
  idleMs: z.number().nonnegative(),
  /** Start of the current idle stretch while connected, or null. */
  idleSince: z.number().nullable(),
  /** Whether the last snapshot showed no work; null before the first one. */
  idle: z.boolean().nullable(),
});
type ActivityRecord = z.infer<typeof activitySchema>;

/** Uptime and idle figures at one moment, in ms. */
export type ActivityFigures = { uptimeMs: number; idleMs: number; idle: boolean | null; idleSince: number | null };

const EMPTY: ActivityRecord = { version: 1, onlineMs: 0, onlineSince: null, idleMs: 0, idleSince: null, idle: null };

export class ActivityStore {
  constructor(private readonly kv: SyncKvStorage) {}

  private read(): ActivityRecord {
    const parsed = activitySchema.safeParse(this.kv.get(ACTIVITY_KEY));
    return parsed.success ? parsed.data : EMPTY;
  }

  private write(record: ActivityRecord): void {
    this.kv.put(ACTIVITY_KEY, record);
  }

  /** Starts counting uptime at `now`, when a reporter said hello. */
  connected(now: number): void {
    const record = this.read();
    if (record.onlineSince !== null) {
      return;
    }
    this.write({ ...record, onlineSince: now, idleSince: record.idle === true ? now : null });
  }

  /** Stops counting at `lastSeenAt`, the reporter's last frame: the link was lost then. */
  disconnected(lastSeenAt: number): void {
    const record = this.read();
    if (record.onlineSince === null) {
      return;
    }
    const end = Math.max(record.onlineSince, lastSeenAt);
    const idleMs = record.idleSince === null ? record.idleMs : record.idleMs + Math.max(0, end - record.idleSince);
    this.write({ ...record, onlineMs: record.onlineMs + (end - record.onlineSince), onlineSince: null, idleMs, idleSince: null });
  }

  /** Records whether the snapshot received at `now` showed no work. */
  observe(idle: boolean, now: number): void {
    const record = this.read();
    if (record.idle === idle) {
      return;
    }
    if (idle) {
      this.write({ ...record, idle, idleSince: record.onlineSince === null ? null : now });
      return;
    }
    const idleMs = record.idleSince === null ? record.idleMs : record.idleMs + Math.max(0, now - record.idleSince);
    this.write({ ...record, idle, idleSince: null, idleMs });
  }

  /**
   * Returns the figures at `now`. `liveUntil` is when the open connection was last known to
   * be alive: `now` while a reporter is connected, its last frame when the object lost the
   * socket without a close (a restart), which stops the clock there.
   */
  figures(now: number, liveUntil: number | null): ActivityFigures {
    const record = this.read();
    const end = liveUntil ?? now;
    const openMs = record.onlineSince === null ? 0 : Math.max(0, end - record.onlineSince);
    const openIdleMs = record.idleSince === null ? 0 : Math.max(0, end - record.idleSince);
    return { uptimeMs: record.onlineMs + openMs, idleMs: record.idleMs + openIdleMs, idle: record.idle, idleSince: record.idleSince };
  }

  /** Test support: moves every stored time `ms` into the past. */
  rewind(ms: number): void {
    const record = this.read();
    this.write({
      ...record,
      onlineSince: record.onlineSince === null ? null : record.onlineSince - ms,
      idleSince: record.idleSince === null ? null : record.idleSince - ms,
    });
  }
}
