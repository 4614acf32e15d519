/**
 * @module One instance's entry in the fleet status: link state, uptime and idle time, price
 * and spend, and the headline figures of its last snapshot.
 */
import { GONE_AFTER_MS, toUtcTimestamp } from "@comfycarry/shared";
import type { FleetInstanceStatus, InstanceOverview } from "@comfycarry/shared";

import { sampleOf } from "../history/sample.js";
import type { ActivityStore } from "../spend/activity.js";
import type { PriceStore } from "../spend/price.js";

/** What the status is built from; the instance object passes its parts. */
export type StatusSources = {
  instanceId: string;
  name: string;
  overview: InstanceOverview;
  activity: ActivityStore;
  prices: PriceStore;
};

function epochOf(timestamp: string | null): number | null {
  return timestamp === null ? null : Date.parse(timestamp);
}

/** Builds the status of one instance at `now`. */
export function buildInstanceStatus(sources: StatusSources, now: number): FleetInstanceStatus {
  const { overview } = sources;
  const snapshot = overview.snapshot;

  // Without an open socket the uptime clock stops at the last frame, also after a restart
  // that dropped the socket without a close event.
  const liveUntil = overview.online ? null : epochOf(overview.last_seen_at);
  const activity = sources.activity.figures(now, liveUntil);
  const offlineSince = epochOf(overview.offline_since);
  const figures = snapshot === null ? null : sampleOf(snapshot, now);
  const sync = snapshot?.sync;

  return {
    instance_id: sources.instanceId,
    name: sources.name,
    online: overview.online,
    last_seen_at: overview.last_seen_at,
    offline_since: overview.offline_since,
    gone: !overview.online && offlineSince !== null && now - offlineSince > GONE_AFTER_MS,
    uptime_s: activity.uptimeMs / 1000,
    idle: activity.idle,
    idle_since: activity.idleSince === null ? null : toUtcTimestamp(new Date(activity.idleSince)),
    idle_s: activity.idleMs / 1000,
    price: sources.prices.price(),
    spend: sources.prices.spend(activity.uptimeMs),
    comfyui_state: snapshot?.comfyui.state ?? null,
    queue_running: snapshot?.comfyui.queue_running ?? null,
    queue_pending: snapshot?.comfyui.queue_pending ?? null,
    gpu_util_percent: figures?.gpu_util_percent ?? null,
    vram_percent: figures?.vram_percent ?? null,
    gpu_temp_c: figures?.gpu_temp_c ?? null,
    disk_percent: figures?.disk_percent ?? null,
    sync_safe: sync?.available === true ? (sync.safe ?? null) : null,
    unsynced_files: sync?.available === true ? (sync.unsynced_files ?? null) : null,
  };
}
