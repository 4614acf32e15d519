import { HEARTBEAT_INTERVAL_MS, OFFLINE_AFTER_MS, SNAPSHOT_INTERVAL_UNWATCHED_MS, SNAPSHOT_INTERVAL_WATCHED_MS } from "@comfycarry/shared";

/** Intervals of the link; tests shorten them. */
export interface LinkTiming {
  heartbeatMs: number;
  watchedSnapshotMs: number;
  unwatchedSnapshotMs: number;
  /** A connection that stays welcomed this long resets the backoff. */
  stableAfterMs: number;
  /** With nothing received for this long, the socket is judged dead and replaced. */
  silenceLimitMs: number;
  /** Delay between attempts while the edge rejects our protocol version. */
  unsupportedRetryMs: number;
}

export const DEFAULT_LINK_TIMING: LinkTiming = {
  heartbeatMs: HEARTBEAT_INTERVAL_MS,
  watchedSnapshotMs: SNAPSHOT_INTERVAL_WATCHED_MS,
  unwatchedSnapshotMs: SNAPSHOT_INTERVAL_UNWATCHED_MS,
  stableAfterMs: 30_000,
  silenceLimitMs: OFFLINE_AFTER_MS + HEARTBEAT_INTERVAL_MS,
  unsupportedRetryMs: 30 * 60_000,
};
