/**
 * The `/ws` sockets, keyed by sid, and ComfyUI's `send_sync` rules: a null sid broadcasts,
 * any other sid reaches that one socket, or none when it is closed.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

import type { WebSocket } from "ws";

import type { LogEntry } from "../log/buffer.js";
import { simConsole } from "../log/logger.js";
import { parsePyJson } from "../py/parse.js";
import { pyJsonDumps, type Dumpable } from "../py/format.js";
import { PyError, isDict, type PyDict } from "../py/value.js";

interface SocketState {
  socket: WebSocket;
  featureFlags: PyDict;
}

export const EVENT_PREVIEW_IMAGE = 1;
export const EVENT_PREVIEW_IMAGE_WITH_METADATA = 4;

export class SocketHub {
  private readonly sockets = new Map<string, SocketState>();
  private readonly logSubscribers = new Set<string>();

  /**
   * @param queueInfo returns the `status` payload's `exec_info` holder.
   * @param runningNode returns the node now executing when `sid` queued the running prompt.
   * @param serverFlags returns the server's feature flags (as `/features`).
   */
  constructor(
    private readonly queueInfo: () => Dumpable,
    private readonly runningNode: (sid: string) => string | null,
    private readonly serverFlags: () => Dumpable,
  ) {}

  /** Registers a socket that passed the upgrade, sends the greeting frames, and listens. */
  accept(socket: WebSocket, request: IncomingMessage): void {
    const query = new URL(request.url ?? "/", "http://localhost").searchParams;
    const requested = query.get("clientId") ?? "";
    // An empty clientId counts as absent, as in ComfyUI.
    const sid = requested !== "" ? requested : randomUUID().replaceAll("-", "");
    this.sockets.set(sid, { socket, featureFlags: new Map() });

    this.sendTo(socket, "status", { status: this.queueInfo(), sid });
    const node = this.runningNode(sid);
    if (node !== null) {
      this.sendTo(socket, "executing", { node });
    }

    let negotiating = true;
    socket.on("message", (data, isBinary) => {
      if (!negotiating || isBinary) {
        return;
      }
      const text = (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(new Uint8Array(data))).toString("utf8");
      let message;
      try {
        message = parsePyJson(text);
      } catch (error) {
        // Invalid JSON is logged and does not end the negotiation window.
        simConsole.warning(`Invalid JSON received from client ${sid}: ${error instanceof PyError ? error.pyMessage : String(error)}`);
        return;
      }
      negotiating = false;
      if (isDict(message) && message.get("type") === "feature_flags") {
        const flags = message.get("data");
        const state = this.sockets.get(sid);
        if (state !== undefined && state.socket === socket && isDict(flags)) {
          state.featureFlags = flags;
        }
        this.sendTo(socket, "feature_flags", this.serverFlags());
      }
    });
    socket.on("close", () => {
      // ComfyUI drops the sid unconditionally, even when a newer socket took it over.
      this.sockets.delete(sid);
    });
    socket.on("error", () => socket.terminate());
  }

  /** `send_sync(event, data, sid)`: a null sid broadcasts; a closed sid drops the message. */
  send(event: string, data: Dumpable, sid: string | null): void {
    if (sid === null) {
      for (const state of this.sockets.values()) {
        this.sendTo(state.socket, event, data);
      }
      return;
    }
    const state = this.sockets.get(sid);
    if (state !== undefined) {
      this.sendTo(state.socket, event, data);
    }
  }

  sendBinary(frame: Buffer, sid: string | null): void {
    const targets = sid === null ? [...this.sockets.values()] : [this.sockets.get(sid)].filter((state) => state !== undefined);
    for (const state of targets) {
      if (state.socket.readyState === state.socket.OPEN) {
        state.socket.send(frame);
      }
    }
  }

  supportsPreviewMetadata(sid: string): boolean {
    return this.sockets.get(sid)?.featureFlags.get("supports_preview_metadata") === true;
  }

  setLogSubscription(sid: string, enabled: boolean): void {
    if (enabled) {
      this.logSubscribers.add(sid);
    } else {
      this.logSubscribers.delete(sid);
    }
  }

  /** Sends new log entries to subscribed sockets; a subscriber whose socket is gone is dropped. */
  sendLogs(entries: LogEntry[]): void {
    for (const sid of [...this.logSubscribers]) {
      if (!this.sockets.has(sid)) {
        this.logSubscribers.delete(sid);
        continue;
      }
      this.send("logs", { entries: entries.map((entry) => ({ t: entry.t, m: entry.m })), size: null }, sid);
    }
  }

  closeAll(): void {
    for (const state of this.sockets.values()) {
      state.socket.terminate();
    }
    this.sockets.clear();
  }

  private sendTo(socket: WebSocket, event: string, data: Dumpable): void {
    if (socket.readyState === socket.OPEN) {
      socket.send(pyJsonDumps({ type: event, data }));
    }
  }
}
