/**
 * @module Where the newest snapshot lives. While a browser is connected, every snapshot is
 * written to storage. Without one, a snapshot is written at most once per
 * {@link PERSIST_INTERVAL_UNWATCHED_MS} per connection, and the newer ones are held in the
 * reporter socket's attachment. An attachment survives hibernation and eviction and costs no
 * row write. The overview, the alerts and the delta base read the held copy first. When the
 * socket goes away, the held copy is written to storage. Only a restart of the object without
 * a close event loses it, and then the stored copy is at most one interval older and shows
 * its age; the reporter reconnects and its first snapshot is full, so it is stored at once.
 */
import { overviewSchema, parseValue } from "@comfycarry/shared";
import type { Overview } from "@comfycarry/shared";

import { errorFields, log } from "../log.js";
import { readAttachment, writeAttachment } from "./attachments.js";
import type { ReporterAttachment } from "./attachments.js";
import type { InstanceStore, SnapshotRecord } from "./instance-store.js";
import type { ReporterSocket, SocketRegistry } from "./sockets.js";

/** Maximum time an unwatched connection goes without writing its snapshot to storage. */
export const PERSIST_INTERVAL_UNWATCHED_MS = 5 * 60_000;

/** The runtime's limit on one serialized attachment, in bytes. */
const MAX_ATTACHMENT_BYTES = 16_384;

/**
 * Checks that `attachment` stays under the attachment limit. The structured clone stores a
 * string with any non-Latin-1 character as UTF-16, so twice the JSON length bounds its size.
 * The margin covers the clone's tags. NOTE: an estimate, not checked against the runtime's
 * own count.
 */
function fitsAttachment(attachment: ReporterAttachment): boolean {
  return 2 * JSON.stringify(attachment).length <= MAX_ATTACHMENT_BYTES - 1024;
}

/** Returns the snapshot held by a reporter attachment, or null when there is none or it no longer parses. */
export function heldSnapshotOf(attachment: ReporterAttachment): SnapshotRecord | null {
  const held = attachment.heldSnapshot;
  if (held === null) {
    return null;
  }
  const overview = parseValue(overviewSchema, held.overview);
  if (!overview.ok) {
    log.warn({ connectionId: attachment.connectionId, issues: overview.issues }, "held snapshot is invalid, so the stored one is used");
    return null;
  }
  return { version: 1, receivedAt: held.receivedAt, overview: overview.value };
}

/** Returns the snapshot held by the active reporter, or null. */
export function activeHeldSnapshot(sockets: SocketRegistry): SnapshotRecord | null {
  const active = sockets.activeReporter();
  return active === null ? null : heldSnapshotOf(active.attachment);
}

/** Returns the snapshot a delta from `socket` applies to: its held one, else the stored one. */
export function deltaBase(store: InstanceStore, socket: ReporterSocket): SnapshotRecord | null {
  return heldSnapshotOf(socket.attachment) ?? store.storedSnapshot();
}

/**
 * Stores `overview`, received at `now` on `socket`, in storage or in the socket's attachment,
 * and returns the attachment fields to write with it. The caller writes them before anyone
 * reads the overview.
 */
export function keepSnapshot(store: InstanceStore, socket: ReporterSocket, overview: Overview, now: number, watched: boolean): Partial<ReporterAttachment> {
  const { persistedAt } = socket.attachment;
  const due = watched || persistedAt === null || now - persistedAt >= PERSIST_INTERVAL_UNWATCHED_MS;
  if (!due) {
    const heldSnapshot = { receivedAt: now, overview };
    if (fitsAttachment({ ...socket.attachment, heldSnapshot })) {
      return { heldSnapshot };
    }
  }
  store.saveSnapshot(overview, now);
  return { heldSnapshot: null, persistedAt: now };
}

/**
 * Writes the snapshot held by a reporter socket that is going away to storage, unless the
 * stored one is as new. Call it before the socket's attachment becomes unreadable.
 */
export function flushHeldSnapshot(store: InstanceStore, ws: WebSocket): void {
  const attachment = readAttachment(ws);
  if (attachment?.role !== "reporter") {
    return;
  }
  const held = heldSnapshotOf(attachment);
  if (held === null) {
    return;
  }
  const stored = store.storedSnapshot();
  if (stored === null || stored.receivedAt < held.receivedAt) {
    store.saveSnapshot(held.overview, held.receivedAt);
  }
  try {
    writeAttachment(ws, { ...attachment, heldSnapshot: null, persistedAt: held.receivedAt });
  } catch (err) {
    // The socket is already closed; the snapshot is in storage either way.
    log.debug({ connectionId: attachment.connectionId, err: errorFields(err) }, "failed to clear the held snapshot of a closed socket");
  }
}
