import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";

import WebSocket from "ws";

import { MAX_MESSAGE_BYTES } from "@comfycarry/shared";

import { Backoff } from "../link/backoff.js";
import type { BackoffOptions } from "../link/backoff.js";
import { rawText } from "../link/edge-link.js";
import type { Logger } from "../log/logger.js";

export interface ComfyuiSocketEvents {
  /** The socket opened under `clientId`. */
  open: [clientId: string];
  text: [text: string];
  close: [];
}

export const COMFYUI_SOCKET_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 10_000, factor: 2 };

/**
 * The reporter's own /ws connection to ComfyUI, reopened with backoff whenever ComfyUI goes
 * away (restarts, crashes, not started yet). Each connection gets a new client id. ComfyUI
 * (server.py, up to at least v0.3.64) removes a client id when a socket under it closes,
 * even if a newer socket took the id over meanwhile, so reusing the id could leave the new
 * socket receiving nothing.
 */
export class ComfyuiSocket extends EventEmitter<ComfyuiSocketEvents> {
  readonly #baseUrl: URL;
  readonly #log: Logger;
  readonly #backoff: Backoff;
  #socket: WebSocket | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = true;
  #open = false;
  #clientId = newClientId();

  constructor(comfyuiUrl: string, log: Logger, backoff: BackoffOptions = COMFYUI_SOCKET_BACKOFF) {
    super();
    this.#baseUrl = new URL(`${comfyuiUrl}/ws`);
    this.#baseUrl.protocol = this.#baseUrl.protocol === "https:" ? "wss:" : "ws:";
    this.#log = log;
    this.#backoff = new Backoff(backoff);
  }

  /** Client id of the current or latest connection; it changes on every connect. */
  get clientId(): string {
    return this.#clientId;
  }

  get isOpen(): boolean {
    return this.#open;
  }

  start(): void {
    this.#stopped = false;
    this.#connect();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#socket?.close(1001);
    this.#socket = null;
  }

  #connect(): void {
    const clientId = newClientId();
    this.#clientId = clientId;
    const url = new URL(this.#baseUrl);
    url.searchParams.set("clientId", clientId);
    // ComfyUI (aiohttp) compresses when the client offers it; inflating every progress frame
    // over loopback would cost CPU for no gain.
    // Every frame is parsed as JSON anyway, and a stray invalid byte would only turn into U+FFFD.
    const socket = new WebSocket(url, { maxPayload: 64 * MAX_MESSAGE_BYTES, handshakeTimeout: 10_000, perMessageDeflate: false, skipUTF8Validation: true });
    this.#socket = socket;

    socket.on("open", () => {
      this.#open = true;
      this.#backoff.reset();
      this.#log.info({ url: url.origin, clientId }, "connected to ComfyUI's WebSocket");
      this.emit("open", clientId);
    });
    socket.on("message", (data, isBinary) => {
      // Binary frames are image previews; the bridge needs only the JSON ones.
      if (!isBinary) {
        this.emit("text", rawText(data));
      }
    });
    socket.on("error", (error) => {
      this.#log.debug({ err: error }, "ComfyUI WebSocket error");
    });
    socket.on("close", () => {
      if (socket !== this.#socket) {
        return;
      }
      const wasOpen = this.#open;
      this.#open = false;
      this.#socket = null;
      if (wasOpen) {
        this.emit("close");
      }
      if (this.#stopped) {
        return;
      }
      const delayMs = this.#backoff.next();
      const log = wasOpen ? this.#log.warn.bind(this.#log) : this.#log.debug.bind(this.#log);
      log({ delayMs, attempt: this.#backoff.attempt }, "ComfyUI WebSocket closed; reconnecting after a delay");
      this.#timer = setTimeout(() => this.#connect(), delayMs);
    });
  }
}

/** Returns a client id in the form ComfyUI makes its own: 32 hex digits. */
function newClientId(): string {
  return randomUUID().replaceAll("-", "");
}
