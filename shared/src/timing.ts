// Timing rules that the reporter and the edge must both follow: the reporter sends
// on these intervals and the edge judges liveness from them.

/** The reporter sends a `ping` this often. */
export const HEARTBEAT_INTERVAL_MS = 20_000;

/** The edge marks an instance offline when its socket closes or no ping came for this long. */
export const OFFLINE_AFTER_MS = 60_000;

/** Snapshot interval while at least one browser watches the instance. */
export const SNAPSHOT_INTERVAL_WATCHED_MS = 2_000;

/** Snapshot interval while nobody watches. */
export const SNAPSHOT_INTERVAL_UNWATCHED_MS = 60_000;

/** Command deadline when the caller gives none. */
export const DEFAULT_COMMAND_DEADLINE_MS = 30_000;

/** Longest deadline a caller may ask for. */
export const MAX_COMMAND_DEADLINE_MS = 10 * 60_000;

/** Largest WebSocket message either side accepts, in bytes. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;
