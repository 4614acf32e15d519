/**
 * @module The reporter link as browsers and HTTP callers see it: builds the overview from the
 * stored snapshot and the live sockets, records online/offline changes, and sends browsers and
 * the reporter what changed.
 */
import { OFFLINE_AFTER_MS, toUtcTimestamp } from "@comfycarry/shared";
import type { InstanceOverview, InstanceSummary, WireError } from "@comfycarry/shared";

import { log } from "../log.js";
import type { ActivityStore } from "../spend/activity.js";
import type { InstanceStore } from "./instance-store.js";
import { sendFrame } from "./sockets.js";
import type { ReporterSocket, SocketRegistry } from "./sockets.js";

function iso(ms: number): string {
  return toUtcTimestamp(new Date(ms));
}

export class InstanceLink {
  constructor(
    private readonly instanceId: string,
    private readonly store: InstanceStore,
    private readonly sockets: SocketRegistry,
    private readonly activity: ActivityStore,
  ) {}

  /**
   * Builds the overview served to browsers and `GET …/overview`, with the snapshot's age at `now`.
   * `closing` is a reporter socket being closed, which may still read as open.
   */
  overview(now: number, closing?: WebSocket): InstanceOverview {
    const connected = this.sockets.activeReporter(closing);
    const active = this.liveReporter(now, closing);
    const link = this.store.link();
    const snapshot = this.store.snapshot();
    const quietSince = connected === null ? null : connected.attachment.lastSeenAt + OFFLINE_AFTER_MS;

    // A stored "online" with no open reporter socket means the sockets went away without a
    // close event (e.g. a deploy restarted the object); the last frame is then the best "since".
    let offlineSince: string | null = null;
    if (active === null) {
      offlineSince = quietSince === null ? (link.offlineSince ?? link.lastSeenAt) : iso(quietSince);
    }

    return {
      instance_id: this.instanceId,
      online: active !== null,
      last_seen_at: connected === null ? link.lastSeenAt : iso(connected.attachment.lastSeenAt),
      offline_since: offlineSince,
      snapshot_age_ms: snapshot === null ? null : Math.max(0, now - snapshot.receivedAt),
      snapshot: snapshot?.overview ?? null,
    };
  }

  /**
   * Returns the active reporter unless it has been quiet for OFFLINE_AFTER_MS at `now`. Such a
   * reporter is offline even before the heartbeat alarm closes its socket, which while no
   * browser is connected comes later (see heartbeat.ts).
   */
  liveReporter(now: number, closing?: WebSocket): ReporterSocket | null {
    const connected = this.sockets.activeReporter(closing);
    return connected !== null && connected.attachment.lastSeenAt + OFFLINE_AFTER_MS <= now ? null : connected;
  }

  /** Builds this instance's entry in `GET /api/instances`. */
  summary(name: string, now: number): InstanceSummary {
    const overview = this.overview(now);
    return {
      instance_id: this.instanceId,
      name,
      online: overview.online,
      last_seen_at: overview.last_seen_at,
      snapshot: overview.snapshot,
    };
  }

  /** Builds the `instance_offline` error, naming since when the instance is offline. */
  offlineError(now: number): WireError {
    const since = this.overview(now).offline_since;
    if (since === null) {
      return { code: "instance_offline", message: `instance ${this.instanceId} is offline: no reporter is connected` };
    }
    return { code: "instance_offline", message: `instance offline since ${since}`, params: { since } };
  }

  /** Sends a fresh overview to every browser. */
  broadcastOverview(now: number, closing?: WebSocket): void {
    this.sockets.broadcast({ type: "overview", overview: this.overview(now, closing) });
  }

  /** Sends the browser count to the active reporter; `except` is a browser socket being closed. */
  sendViewers(except?: WebSocket): void {
    const reporter = this.sockets.activeReporter();
    if (reporter !== null) {
      sendFrame(reporter.ws, { type: "viewers", count: this.sockets.browsers(except).length });
    }
  }

  /** Records that a reporter sent hello at `now`. */
  markOnline(now: number): void {
    this.store.markOnline(iso(now));
    this.activity.connected(now);
  }

  /**
   * Records the link as lost at `offlineAt` (default `now`) unless another reporter is still
   * connected, and sends the browsers a fresh overview. `closing` is the reporter socket going
   * away; `lastSeenAt` is its last frame. Does nothing when the link is already offline, so a
   * close after a heartbeat timeout is harmless.
   */
  markOfflineUnlessConnected(now: number, closing: WebSocket, lastSeenAt: number, offlineAt = now): void {
    if (this.sockets.activeReporter(closing) !== null || this.store.link().offlineSince !== null) {
      return;
    }
    this.store.markOffline(iso(lastSeenAt), iso(offlineAt));
    this.activity.disconnected(lastSeenAt);
    log.info({ instanceId: this.instanceId, lastSeenAt: iso(lastSeenAt) }, "instance offline");
    this.broadcastOverview(now, closing);
  }
}
