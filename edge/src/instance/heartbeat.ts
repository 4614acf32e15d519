/**
 * @module Reporter liveness. Each frame refreshes `lastSeenAt` in the socket attachment, and
 * pings the runtime answers by itself count through their auto-response time, so neither
 * writes storage. The heartbeat deadline is computed from the sockets whenever the alarm is
 * armed, not stored as a row, so keeping a live reporter's heartbeat costs one `setAlarm`.
 * While a browser is connected, the alarm wakes the object when the quietest reporter would
 * reach OFFLINE_AFTER_MS. Without one it wakes {@link UNWATCHED_HEARTBEAT_DELAY_MS} later,
 * which cuts the alarms of an idle instance to about a third. A reporter past the limit is
 * closed and the instance marked offline from the moment it reached the limit. A socket that
 * sent no hello within the same time is rejected without the delay.
 */
import { OFFLINE_AFTER_MS, OFFLINE_ALERT_AFTER_MS } from "@comfycarry/shared";

import { errorFields, log } from "../log.js";
import { flushHeldSnapshot } from "./held-snapshot.js";
import type { InstanceParts } from "./parts.js";
import { refuseReporter } from "./refuse.js";
import type { SocketRegistry } from "./sockets.js";

/** Deadline key of the heartbeat in objects whose table still contains one from an older version. */
export const HEARTBEAT_KEY = "heartbeat";

/** Returns when the quietest reporter socket reaches the offline limit, or null with none open. */
export function nextHeartbeatAt(sockets: SocketRegistry): number | null {
  let next: number | null = null;
  for (const { attachment } of sockets.reporters()) {
    const from = attachment.helloAt === null ? attachment.connectedAt : attachment.lastSeenAt;
    next = Math.min(next ?? from + OFFLINE_AFTER_MS, from + OFFLINE_AFTER_MS);
  }
  return next;
}

/**
 * Extra wait of the heartbeat alarm while no browser is connected. Then no browser needs the
 * offline push, the overview judges a quiet reporter offline when it is read, and the offline
 * alert is due only OFFLINE_ALERT_AFTER_MS after the limit, so the check comes when the alert is due.
 */
export const UNWATCHED_HEARTBEAT_DELAY_MS = OFFLINE_ALERT_AFTER_MS;

/** Returns when the heartbeat alarm should check the reporter sockets, or null with none open. */
export function heartbeatAlarmAt(sockets: SocketRegistry): number | null {
  const watched = sockets.browsers().length > 0;
  let next: number | null = null;
  for (const { attachment } of sockets.reporters()) {
    const delay = watched || attachment.helloAt === null ? 0 : UNWATCHED_HEARTBEAT_DELAY_MS;
    const from = attachment.helloAt === null ? attachment.connectedAt : attachment.lastSeenAt;
    const at = from + OFFLINE_AFTER_MS + delay;
    next = next === null ? at : Math.min(next, at);
  }
  return next;
}

/** Close code for a reporter that went quiet: 1001 "going away", so the reporter reconnects. */
const QUIET_CLOSE_CODE = 1001;

/** Arms the alarm for a new reporter socket, with the deadline from {@link heartbeatAlarmAt}. */
export async function armHeartbeat(parts: InstanceParts): Promise<void> {
  await parts.scheduler.arm();
}

/** Closes quiet or silent reporter sockets; the caller re-arms the alarm for the rest. */
export async function checkHeartbeat(parts: InstanceParts, now: number): Promise<void> {
  for (const { ws, attachment } of parts.sockets.reporters()) {
    const fields = { instanceId: parts.instanceId, connectionId: attachment.connectionId };

    if (attachment.helloAt === null) {
      const due = attachment.connectedAt + OFFLINE_AFTER_MS;
      if (due <= now) {
        log.warn(fields, "reporter sent no hello in time");
        refuseReporter(ws, { code: "invalid_message", message: `no hello frame within ${OFFLINE_AFTER_MS} ms of connecting` });
      }
      continue;
    }

    const due = attachment.lastSeenAt + OFFLINE_AFTER_MS;
    if (due <= now) {
      log.warn({ ...fields, quietMs: now - attachment.lastSeenAt }, "reporter went quiet; closing its socket");
      flushHeldSnapshot(parts.store, ws);
      try {
        ws.close(QUIET_CLOSE_CODE, "no frame within the heartbeat window");
      } catch (err) {
        log.warn({ ...fields, err: errorFields(err) }, "could not close a quiet reporter socket");
      }
      parts.link.markOfflineUnlessConnected(now, ws, attachment.lastSeenAt, due);
    }
  }
}
