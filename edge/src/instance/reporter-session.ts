/**
 * @module Frames from the reporter: the `hello` handshake (version check, replacing an older
 * connection, welcome, re-sending pending commands), then snapshots, events, command results
 * and pings. Every frame is parsed with `reporterMessageSchema`; repeated garbage closes the
 * socket with `invalid_message`.
 */
import {
  EDGE_FEATURE_PING_AUTO_RESPONSE,
  EDGE_FEATURE_SECRET_UPDATE,
  EDGE_FEATURE_SNAPSHOT_DELTA,
  MIN_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  isProtocolVersionSupported,
  parseFrame,
  reporterMessageSchema,
  toUtcTimestamp,
} from "@comfycarry/shared";
import type { ReporterMessage, WireError } from "@comfycarry/shared";

import { evaluateAlerts, onAlertEvent, onAlertSnapshot } from "../alerts/hooks.js";
import { log } from "../log.js";
import type { ReporterAttachment } from "./attachments.js";
import { acceptSnapshot, acceptSnapshotDelta } from "./cheap-link.js";
import { frameText } from "./frames.js";
import { armHeartbeat } from "./heartbeat.js";
import { flushHeldSnapshot } from "./held-snapshot.js";
import type { InstanceParts } from "./parts.js";
import { refuseReporter } from "./refuse.js";
import { acceptSecretUpdate, handOffOnHello } from "./secret-handoff.js";
import { sendFrame } from "./sockets.js";
import type { ReporterSocket } from "./sockets.js";

/** Invalid frames tolerated on one reporter socket before it is closed with `invalid_message`. */
export const MAX_INVALID_REPORTER_FRAMES = 3;

type Hello = Extract<ReporterMessage, { type: "hello" }>;

/** Handles one message on a reporter socket. */
export async function onReporterMessage(parts: InstanceParts, ws: WebSocket, attachment: ReporterAttachment, message: string | ArrayBuffer, now: number): Promise<void> {
  // Any frame, even an invalid one, shows the reporter is alive.
  let socket = parts.sockets.updateReporter({ ws, attachment }, { lastSeenAt: now });

  const text = frameText(message);
  if (!text.ok) {
    rejectFrame(parts, socket, text.error, now);
    return;
  }
  const parsed = parseFrame(reporterMessageSchema, text.value);
  if (!parsed.ok) {
    rejectFrame(parts, socket, { code: "invalid_message", message: `invalid reporter frame: ${parsed.issues}` }, now);
    return;
  }
  const frame = parsed.value;

  if (socket.attachment.helloAt === null) {
    if (frame.type !== "hello") {
      log.warn({ instanceId: parts.instanceId, connectionId: attachment.connectionId, frameType: frame.type }, "reporter skipped hello");
      refuseReporter(ws, { code: "invalid_message", message: `the first frame must be hello, got ${frame.type}` });
      return;
    }
    await acceptHello(parts, socket, frame, now);
    return;
  }

  switch (frame.type) {
    case "hello":
      rejectFrame(parts, socket, { code: "invalid_message", message: "hello was already accepted on this connection" }, now);
      return;
    case "snapshot":
      if (frame.snapshot.instance_id !== parts.instanceId) {
        rejectFrame(parts, socket, { code: "invalid_message", message: `snapshot is for instance ${frame.snapshot.instance_id}, not ${parts.instanceId}` }, now);
        return;
      }
      acceptSnapshot(parts, socket, frame.snapshot, frame.seq, now);
      await onAlertSnapshot(parts, now);
      return;
    case "snapshot_delta":
      acceptSnapshotDelta(parts, socket, frame, now);
      await onAlertSnapshot(parts, now);
      return;
    case "event":
      parts.sockets.broadcast({ type: "event", instance_id: parts.instanceId, event: frame.event });
      await onAlertEvent(parts, frame.event, now);
      return;
    case "command_result":
      await parts.relay.acceptResult(frame, now);
      return;
    case "ping":
      sendFrame(ws, { type: "pong", at: toUtcTimestamp(new Date(now)) });
      return;
    case "secret_update": {
      // Never broadcast: the content is a secret.
      const error = await acceptSecretUpdate(parts, frame);
      if (error !== null) {
        rejectFrame(parts, socket, error, now);
      }
      return;
    }
  }
}

/** Counts an invalid frame, logs it without its payload, and closes the socket at the limit. */
function rejectFrame(parts: InstanceParts, socket: ReporterSocket, error: WireError, now: number): void {
  const invalidFrames = socket.attachment.invalidFrames + 1;
  parts.sockets.updateReporter(socket, { invalidFrames });
  const fields = { instanceId: parts.instanceId, connectionId: socket.attachment.connectionId, invalidFrames, code: error.code, issue: error.message };
  log.warn(fields, "rejected a reporter frame");

  if (invalidFrames >= MAX_INVALID_REPORTER_FRAMES) {
    flushHeldSnapshot(parts.store, socket.ws);
    refuseReporter(socket.ws, { code: "invalid_message", message: `closing after ${invalidFrames} invalid frames; last: ${error.message}` });
    if (socket.attachment.helloAt !== null) {
      parts.link.markOfflineUnlessConnected(now, socket.ws, socket.attachment.lastSeenAt);
    }
  }
}

async function acceptHello(parts: InstanceParts, socket: ReporterSocket, hello: Hello, now: number): Promise<void> {
  const { ws } = socket;
  const fields = { instanceId: parts.instanceId, connectionId: socket.attachment.connectionId, reporterVersion: hello.reporter_version, protocolVersion: hello.protocol_version };

  if (!isProtocolVersionSupported(hello.protocol_version)) {
    log.warn(fields, "rejected a reporter with an unsupported protocol version");
    refuseReporter(ws, {
      code: "protocol_version_unsupported",
      message: `reporter protocol version ${hello.protocol_version} is not supported; this edge accepts versions ${MIN_PROTOCOL_VERSION} to ${PROTOCOL_VERSION}. Update the reporter`,
      params: { received: hello.protocol_version, min: MIN_PROTOCOL_VERSION, max: PROTOCOL_VERSION },
    });
    return;
  }
  if (hello.instance_id !== parts.instanceId) {
    log.warn({ ...fields, helloInstanceId: hello.instance_id }, "rejected a reporter whose hello names another instance");
    refuseReporter(ws, {
      code: "unauthorized",
      message: `this token belongs to instance ${parts.instanceId}, but hello names ${hello.instance_id}; use the token issued for ${hello.instance_id}`,
    });
    return;
  }

  // One reporter per instance: a newer connection wins, e.g. after the container was replaced.
  for (const older of parts.sockets.reporters(ws)) {
    if (older.attachment.helloAt !== null) {
      log.warn({ ...fields, replacedConnectionId: older.attachment.connectionId }, "a new reporter connection replaced an older one");
      flushHeldSnapshot(parts.store, older.ws);
      refuseReporter(older.ws, { code: "replaced", message: `another reporter connected for instance ${parts.instanceId}` });
    }
  }

  parts.sockets.updateReporter(socket, {
    helloAt: now,
    lastSeenAt: now,
    reporterVersion: hello.reporter_version,
    takesTokens: hello.secrets !== undefined,
    takesConf: hello.secrets?.rclone_conf !== undefined,
  });
  parts.link.markOnline(now);
  sendFrame(ws, {
    type: "welcome",
    protocol_version: PROTOCOL_VERSION,
    instance_id: parts.instanceId,
    viewers: parts.sockets.browsers().length,
    server_time: toUtcTimestamp(new Date(now)),
    features: [EDGE_FEATURE_SECRET_UPDATE, EDGE_FEATURE_PING_AUTO_RESPONSE, EDGE_FEATURE_SNAPSHOT_DELTA],
  });
  const resent = await parts.relay.resendPending(ws, now);
  const secretsSent = await handOffOnHello(parts, hello.secrets, now);
  await armHeartbeat(parts);
  parts.link.broadcastOverview(now);
  await evaluateAlerts(parts, now, "reporter connected");
  log.info({ ...fields, resent, secretsSent }, "reporter connected");
}
