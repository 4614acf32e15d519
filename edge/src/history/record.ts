/** @module What a stored snapshot adds to the instance's history and activity. */
import type { Overview } from "@comfycarry/shared";

import type { ActivityStore } from "../spend/activity.js";
import { isIdle, sampleOf } from "./sample.js";
import type { HistoryStore } from "./store.js";

/** Records the snapshot received at `now` as a history point and as idle or busy. */
export function recordSnapshot(stores: { history: HistoryStore; activity: ActivityStore }, overview: Overview, now: number): void {
  stores.history.record(sampleOf(overview, now), now);
  stores.activity.observe(isIdle(overview), now);
}
