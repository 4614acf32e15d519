/** @module Sets an instance's price at its current uptime, so spend counts from now on. */
import type { InstancePrice } from "@comfycarry/shared";

import type { InstanceOverview } from "@comfycarry/shared";
import type { ActivityStore } from "./activity.js";
import type { PriceStore } from "./price.js";

/** Returns the uptime at `now` in ms, stopping the clock at the last frame while offline. */
export function uptimeAt(activity: ActivityStore, overview: InstanceOverview, now: number): number {
  const liveUntil = overview.online || overview.last_seen_at === null ? null : Date.parse(overview.last_seen_at);
  return activity.figures(now, liveUntil).uptimeMs;
}

/** Replaces the instance's price; what the old price accrued carries over. */
export function setPrice(stores: { activity: ActivityStore; prices: PriceStore }, overview: InstanceOverview, price: InstancePrice, now: number): void {
  stores.prices.set(price, uptimeAt(stores.activity, overview, now));
}
