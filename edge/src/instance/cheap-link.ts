/**
 * @module What keeps an idle reporter link cheap. The runtime answers the reporter's constant
 * ping itself (`setWebSocketAutoResponse`), so pings neither wake the object nor bill
 * duration, and the heartbeat reads the time of the last automatic reply instead. Snapshots
 * may arrive as merge patches against the last one this object acknowledged. While no browser
 * is connected, most snapshots stay with the socket instead of in storage (held-snapshot.ts).
 */
import { PING_FRAME, PONG_FRAME, overviewSchema, parseValue } from "@comfycarry/shared";
import type { Overview, ReporterMessage } from "@comfycarry/shared";
import { apply as applyMergePatch } from "json-merge-patch";

import { recordSnapshot } from "../history/record.js";
import { log } from "../log.js";
import { deltaBase, keepSnapshot } from "./held-snapshot.js";
import type { InstanceParts } from "./parts.js";
import { sendFrame } from "./sockets.js";
import type { ReporterSocket } from "./sockets.js";

type SnapshotDelta = Extract<ReporterMessage, { type: "snapshot_delta" }>;

/** Makes the runtime answer {@link PING_FRAME} with {@link PONG_FRAME} on every socket of this object. */
export function enablePingAutoResponse(ctx: DurableObjectState): void {
  ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
}

/**
 * Keeps a full snapshot (in storage, or with the socket while unwatched), records it and sends
 * browsers the new overview. Acknowledges it when it carries a number.
 */
export function acceptSnapshot(parts: InstanceParts, socket: ReporterSocket, snapshot: Overview, seq: number | undefined, now: number): void {
  const watched = parts.sockets.browsers().length > 0;
  const kept = keepSnapshot(parts.store, socket, snapshot, now, watched);
  const sampled = recordSnapshot(parts, snapshot, now, socket.attachment.lastSampleAt);
  parts.sockets.updateReporter(socket, { ...kept, ...(sampled ? { lastSampleAt: now } : {}), ...(seq === undefined ? {} : { snapshotSeq: seq }) });
  parts.link.broadcastOverview(now);
  if (seq !== undefined) {
    sendFrame(socket.ws, { type: "snapshot_ack", seq, ok: true });
  }
}

/**
 * Applies a delta to the stored snapshot it names. A delta against another base, or one whose
 * result is not a valid overview for this instance, is answered with `ok: false`, and the
 * reporter then sends a full snapshot.
 */
export function acceptSnapshotDelta(parts: InstanceParts, socket: ReporterSocket, delta: SnapshotDelta, now: number): void {
  const fields = { instanceId: parts.instanceId, connectionId: socket.attachment.connectionId, seq: delta.seq, baseSeq: delta.base_seq };
  const base = deltaBase(parts.store, socket);
  if (base === null || socket.attachment.snapshotSeq !== delta.base_seq) {
    log.info({ ...fields, storedSeq: socket.attachment.snapshotSeq }, "snapshot delta names a base this object does not have; asking for a full snapshot");
    sendFrame(socket.ws, { type: "snapshot_ack", seq: delta.seq, ok: false });
    return;
  }

  const merged = parseValue(overviewSchema, applyMergePatch(base.overview, delta.patch));
  if (!merged.ok || merged.value.instance_id !== parts.instanceId) {
    log.warn({ ...fields, issues: merged.ok ? "instance id changed" : merged.issues }, "snapshot delta did not produce a valid overview; asking for a full snapshot");
    sendFrame(socket.ws, { type: "snapshot_ack", seq: delta.seq, ok: false });
    return;
  }
  acceptSnapshot(parts, socket, merged.value, delta.seq, now);
}
