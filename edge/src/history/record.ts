/** @module What a stored snapshot adds to the instance's history and activity. */
import type { Overview } from "@comfycarry/shared";

import type { ActivityStore } from "../spend/activity.js";
import { isIdle, sampleOf } from "./sample.js";
import type { HistoryStore } from "./store.js";

/**
 * Records the snapshot received at `now` as a history point and as idle or busy.
 * `previousSampleAt` is the last stored sample's time kept with the reporter socket, or null.
 * Returns whether a history point was stored.
 */
export function recordSnapshot(stores: { history: HistoryStore; activity: ActivityStore }, overview: Overview, now: number, previousSampleAt: number | null): boolean {
  stores.activity.observe(isIdle(overview), now);
  return stores.history.record(sampleOf(overview, now), previousSampleAt);
}
