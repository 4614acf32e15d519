/**
 * @module The instance object's sockets: tags by role and connection, lookups that skip closed
 * or unknown sockets, and JSON sends that never throw. Sockets are always looked up through
 * `ctx.getWebSockets`, which lists them again after hibernation.
 */
import type { EdgeToBrowserMessage, EdgeToReporterMessage } from "@comfycarry/shared";

import type { SocketActor } from "../auth/actor.js";
import { errorFields, log } from "../log.js";
import { readAttachment, writeAttachment } from "./attachments.js";
import { countOutbound } from "./cost-meter.js";
import type { ReporterAttachment } from "./attachments.js";

export const REPORTER_TAG = "reporter";
export const BROWSER_TAG = "browser";

/** Tag that finds one socket by its connection id. */
export function connectionTag(connectionId: string): string {
  return `conn:${connectionId}`;
}

export type ReporterSocket = { ws: WebSocket; attachment: ReporterAttachment };

function isOpen(ws: WebSocket): boolean {
  return ws.readyState === WebSocket.OPEN;
}

/** Sends one JSON frame; returns false (and logs) when the socket is already gone. */
export function sendFrame(ws: WebSocket, frame: EdgeToBrowserMessage | EdgeToReporterMessage): boolean {
  try {
    const text = JSON.stringify(frame);
    ws.send(text);
    countOutbound(text);
    return true;
  } catch (err) {
    log.warn({ err: errorFields(err), frameType: frame.type }, "could not send a frame to a closed socket");
    return false;
  }
}

export class SocketRegistry {
  constructor(private readonly ctx: DurableObjectState) {}

  /** Accepts a reporter socket with the hibernation API; it counts as connected only after `hello`. */
  acceptReporter(ws: WebSocket, connectionId: string, now: number): void {
    this.ctx.acceptWebSocket(ws, [REPORTER_TAG, connectionTag(connectionId)]);
    writeAttachment(ws, {
      role: "reporter",
      connectionId,
      connectedAt: now,
      lastSeenAt: now,
      helloAt: null,
      reporterVersion: null,
      invalidFrames: 0,
      takesTokens: false,
      takesConf: false,
      snapshotSeq: null,
      lastSampleAt: null,
      heldSnapshot: null,
      persistedAt: null,
    });
  }

  /** Accepts a browser socket with the hibernation API. */
  acceptBrowser(ws: WebSocket, connectionId: string, actor: SocketActor, now: number): void {
    this.ctx.acceptWebSocket(ws, [BROWSER_TAG, connectionTag(connectionId)]);
    writeAttachment(ws, { role: "browser", connectionId, connectedAt: now, actor });
  }

  /**
   * Returns the open reporter sockets, `except` left out (a socket being closed is still listed).
   * `lastSeenAt` includes pings the runtime answered without waking this object.
   */
  reporters(except?: WebSocket): ReporterSocket[] {
    const sockets: ReporterSocket[] = [];
    for (const ws of this.ctx.getWebSockets(REPORTER_TAG)) {
      const attachment = readAttachment(ws);
      if (ws !== except && isOpen(ws) && attachment?.role === "reporter") {
        const autoReplyAt = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
        sockets.push({ ws, attachment: { ...attachment, lastSeenAt: Math.max(attachment.lastSeenAt, autoReplyAt) } });
      }
    }
    return sockets;
  }

  /** Returns the reporter that said hello most recently and is still open, or null. */
  activeReporter(except?: WebSocket): ReporterSocket | null {
    let active: ReporterSocket | null = null;
    for (const socket of this.reporters(except)) {
      const helloAt = socket.attachment.helloAt;
      if (helloAt !== null && (active === null || helloAt > (active.attachment.helloAt ?? 0))) {
        active = socket;
      }
    }
    return active;
  }

  /** Returns the open browser sockets, `except` left out. */
  browsers(except?: WebSocket): WebSocket[] {
    return this.ctx.getWebSockets(BROWSER_TAG).filter((ws) => ws !== except && isOpen(ws));
  }

  /** Returns the open browser socket with `connectionId`, or null. */
  browser(connectionId: string): WebSocket | null {
    return this.ctx.getWebSockets(connectionTag(connectionId)).find((ws) => isOpen(ws) && readAttachment(ws)?.role === "browser") ?? null;
  }

  /** Sends `frame` to every open browser socket. */
  broadcast(frame: EdgeToBrowserMessage, except?: WebSocket): void {
    for (const ws of this.browsers(except)) {
      sendFrame(ws, frame);
    }
  }

  /** Rewrites part of a reporter socket's attachment. */
  updateReporter(socket: ReporterSocket, changes: Partial<Omit<ReporterAttachment, "role">>): ReporterSocket {
    const attachment: ReporterAttachment = { ...socket.attachment, ...changes };
    writeAttachment(socket.ws, attachment);
    return { ws: socket.ws, attachment };
  }
}
