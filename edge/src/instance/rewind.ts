/**
 * @module Test support: shifts the object's recorded times into the past, so a test can reach
 * the 60 s heartbeat window or a command deadline without waiting for it in real time.
 */
import type { InstanceParts } from "./parts.js";

/** Moves socket clocks, deadlines, command deadlines and the snapshots' receipt times `ms` earlier. */
export function rewindClocks(ctx: DurableObjectState, parts: InstanceParts, ms: number): void {
  for (const socket of parts.sockets.reporters()) {
    const { connectedAt, lastSeenAt, helloAt, heldSnapshot, persistedAt } = socket.attachment;
    parts.sockets.updateReporter(socket, {
      connectedAt: connectedAt - ms,
      lastSeenAt: lastSeenAt - ms,
      helloAt: helloAt === null ? null : helloAt - ms,
      heldSnapshot: heldSnapshot === null ? null : { ...heldSnapshot, receivedAt: heldSnapshot.receivedAt - ms },
      persistedAt: persistedAt === null ? null : persistedAt - ms,
    });
  }
  ctx.storage.sql.exec("UPDATE deadlines SET due_at = due_at - ?", ms);
  ctx.storage.sql.exec("UPDATE commands SET deadline_at = deadline_at - ?, created_at = created_at - ?", ms, ms);
  parts.alerts.rewind(ms);
  parts.outbox.rewind(ms);

  parts.activity.rewind(ms);

  const snapshot = parts.store.storedSnapshot();
  if (snapshot !== null) {
    parts.store.saveSnapshot(snapshot.overview, snapshot.receivedAt - ms);
  }
}
