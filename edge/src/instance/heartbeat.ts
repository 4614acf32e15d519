/**
 * @module Reporter liveness. Each frame refreshes `lastSeenAt` in the socket attachment (no
 * storage write), and a single "heartbeat" deadline wakes the object when the quietest reporter
 * would reach OFFLINE_AFTER_MS. A reporter past it is closed and the instance marked offline;
 * a socket that sent no hello within the same time is rejected.
 */
import { OFFLINE_AFTER_MS } from "@comfycarry/shared";

import { errorFields, log } from "../log.js";
import type { InstanceParts } from "./parts.js";
import { refuseReporter } from "./refuse.js";

export const HEARTBEAT_KEY = "heartbeat";

/** Close code for a reporter that went quiet: 1001 "going away", so the reporter reconnects. */
const QUIET_CLOSE_CODE = 1001;

/** Arms the heartbeat for a reporter socket whose clock started at `from` (connect or last frame). */
export async function armHeartbeat(parts: InstanceParts, from: number): Promise<void> {
  await parts.scheduler.scheduleNoLaterThan(HEARTBEAT_KEY, from + OFFLINE_AFTER_MS);
}

/** Closes quiet or silent reporter sockets and re-arms the heartbeat for the rest. */
export async function checkHeartbeat(parts: InstanceParts, now: number): Promise<void> {
  let next: number | null = null;

  for (const { ws, attachment } of parts.sockets.reporters()) {
    const fields = { instanceId: parts.instanceId, connectionId: attachment.connectionId };

    if (attachment.helloAt === null) {
      const due = attachment.connectedAt + OFFLINE_AFTER_MS;
      if (due <= now) {
        log.warn(fields, "reporter sent no hello in time");
        refuseReporter(ws, { code: "invalid_message", message: `no hello frame within ${OFFLINE_AFTER_MS} ms of connecting` });
        continue;
      }
      next = Math.min(next ?? due, due);
      continue;
    }

    const due = attachment.lastSeenAt + OFFLINE_AFTER_MS;
    if (due <= now) {
      log.warn({ ...fields, quietMs: now - attachment.lastSeenAt }, "reporter went quiet; closing its socket");
      try {
        ws.close(QUIET_CLOSE_CODE, "no frame within the heartbeat window");
      } catch (err) {
        log.warn({ ...fields, err: errorFields(err) }, "could not close a quiet reporter socket");
      }
      parts.link.markOfflineUnlessConnected(now, ws, attachment.lastSeenAt);
      continue;
    }
    next = Math.min(next ?? due, due);
  }

  if (next !== null) {
    await parts.scheduler.schedule(HEARTBEAT_KEY, next);
  }
}
