/**
 * @module Frames from dashboard browsers: commands and pings. Every frame is parsed with
 * `browserMessageSchema`; one that does not parse gets an `error` frame and changes nothing.
 */
import { browserMessageSchema, parseFrame, requestIdSchema } from "@comfycarry/shared";
import type { WireError } from "@comfycarry/shared";

import { log } from "../log.js";
import type { BrowserAttachment } from "./attachments.js";
import { scopeError } from "./command-audit.js";
import { checkCommand, describeInvalidCommand } from "./command-validation.js";
import { frameText } from "./frames.js";
import type { InstanceParts } from "./parts.js";
import { sendFrame } from "./sockets.js";

/** Sends a new browser socket the overview and sends the reporter the new viewer count. */
export function onBrowserOpen(parts: InstanceParts, ws: WebSocket, now: number): void {
  sendFrame(ws, { type: "overview", overview: parts.link.overview(now) });
  parts.link.sendViewers();
}

/** Tells the reporter the viewer count without the closing socket. */
export function onBrowserClose(parts: InstanceParts, ws: WebSocket): void {
  parts.link.sendViewers(ws);
}

/** Reads `request_id` from a frame that failed its schema, when it is a valid one, so the error can name it. */
function requestIdOf(text: string): { raw: unknown; requestId: string | null } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { raw: null, requestId: null };
  }
  const candidate = typeof raw === "object" && raw !== null && "request_id" in raw ? raw.request_id : null;
  const parsed = requestIdSchema.safeParse(candidate);
  return { raw, requestId: parsed.success ? parsed.data : null };
}

function isCommandFrame(raw: unknown): boolean {
  return typeof raw === "object" && raw !== null && "type" in raw && raw.type === "command";
}

/** Handles one message on a browser socket. */
export async function onBrowserMessage(parts: InstanceParts, ws: WebSocket, attachment: BrowserAttachment, message: string | ArrayBuffer, now: number): Promise<void> {
  const sendError = (requestId: string | null, error: WireError): void => {
    log.warn({ instanceId: parts.instanceId, connectionId: attachment.connectionId, requestId, code: error.code, issue: error.message }, "rejected a browser frame");
    sendFrame(ws, { type: "error", request_id: requestId, error });
  };

  const text = frameText(message);
  if (!text.ok) {
    sendError(null, text.error);
    return;
  }
  const parsed = parseFrame(browserMessageSchema, text.value);
  if (!parsed.ok) {
    const { raw, requestId } = requestIdOf(text.value);
    const error: WireError = isCommandFrame(raw) ? describeInvalidCommand(raw, parsed.issues) : { code: "invalid_message", message: `invalid frame: ${parsed.issues}` };
    sendError(requestId, error);
    return;
  }
  const frame = parsed.value;

  if (frame.type === "ping") {
    sendFrame(ws, { type: "pong" });
    return;
  }

  const checked = checkCommand(frame.name, frame.args, frame.deadline_ms);
  if (!checked.ok) {
    sendError(frame.request_id, checked.error);
    return;
  }
  const forbidden = scopeError(attachment.actor, frame.name);
  if (forbidden !== null) {
    await parts.audit.refused(attachment.actor, frame.name, checked.value.args, forbidden.code);
    sendError(frame.request_id, forbidden);
    return;
  }
  const opened = await parts.relay.open(checked.value, { connectionId: attachment.connectionId, requestId: frame.request_id }, attachment.actor, now);
  if (!opened.ok) {
    sendError(frame.request_id, opened.error);
    return;
  }

  // Accepted goes out before the command does, so it always precedes the result.
  sendFrame(ws, { type: "command_accepted", request_id: frame.request_id, command_id: opened.value.id });
  parts.relay.dispatch(opened.value);
}
