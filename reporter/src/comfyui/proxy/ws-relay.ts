import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

import WebSocket from "ws";
import type { RawData, WebSocketServer } from "ws";

import { rawText } from "../../link/edge-link.js";
import type { Logger } from "../../log/logger.js";
import { upstreamHeaders } from "./headers.js";

/** Above this many queued bytes toward a slow browser, reading from ComfyUI pauses. */
const HIGH_WATER_BYTES = 8 * 1024 * 1024;

export interface WsRelayOptions {
  target: URL;
  server: WebSocketServer;
  log: Logger;
  /** Receives a copy of every text frame ComfyUI sends down the relayed socket. */
  observe: (text: string, source: string) => void;
  source: string;
}

/**
 * Relays one browser /ws socket to ComfyUI. The upstream socket opens first, so a refusal
 * from ComfyUI (such as its 403 origin check) reaches the browser as the same HTTP status.
 */
export function relayComfyuiSocket(request: IncomingMessage, socket: Duplex, head: Buffer, options: WsRelayOptions): void {
  const { target, log, source } = options;
  const url = new URL(request.url ?? "/ws", target);
  url.protocol = target.protocol === "https:" ? "wss:" : "ws:";

  const upstream = new WebSocket(url, {
    headers: upstreamHeaders(request, target, { websocket: true }) as Record<string, string>,
    perMessageDeflate: false,
    handshakeTimeout: 10_000,
  });
  let opened = false;
  const abandon = () => upstream.terminate();
  socket.once("close", abandon);

  upstream.on("unexpected-response", (_upgrade, answer) => {
    log.warn({ source, status: answer.statusCode }, "ComfyUI rejected a proxied WebSocket upgrade");
    socket.removeListener("close", abandon);
    socket.end(`HTTP/1.1 ${answer.statusCode ?? 502} ${answer.statusMessage ?? ""}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    answer.resume();
    upstream.terminate();
  });
  upstream.on("error", (error) => {
    if (!opened && socket.writable && !socket.destroyed) {
      log.warn({ err: error, source }, "ComfyUI WebSocket not reachable through the proxy");
      socket.end("HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    }
  });

  upstream.once("open", () => {
    opened = true;
    socket.removeListener("close", abandon);
    upstream.pause();
    options.server.handleUpgrade(request, socket, head, (client) => {
      log.debug({ source, path: url.pathname }, "proxied WebSocket open");
      wire(client, upstream, options);
      upstream.resume();
    });
  });
}

function wire(client: WebSocket, upstream: WebSocket, options: WsRelayOptions): void {
  const { log, source, observe } = options;

  upstream.on("message", (data: RawData, isBinary) => {
    if (!isBinary) {
      const text = rawText(data);
      try {
        observe(text, source);
      } catch (error) {
        log.error({ err: error, source }, "observing a ComfyUI frame failed");
      }
    }
    if (client.readyState !== WebSocket.OPEN) {
      return;
    }
    client.send(data, { binary: isBinary }, () => {
      if (client.bufferedAmount < HIGH_WATER_BYTES && upstream.isPaused) {
        upstream.resume();
      }
    });
    if (client.bufferedAmount >= HIGH_WATER_BYTES) {
      upstream.pause();
    }
  });
  client.on("message", (data: RawData, isBinary) => {
    if (upstream.readyState === WebSocket.OPEN) {
      upstream.send(data, { binary: isBinary });
    }
  });

  upstream.on("close", (code, reason) => closePeer(client, code, reason));
  client.on("close", (code, reason) => closePeer(upstream, code, reason));
  upstream.on("error", (error) => log.debug({ err: error, source }, "ComfyUI side of a proxied WebSocket failed"));
  client.on("error", (error) => log.debug({ err: error, source }, "browser side of a proxied WebSocket failed"));
}

/** Mirrors a close onto the other side; codes that may not be sent (1005, 1006, 1015) become a bare close or a drop. */
function closePeer(peer: WebSocket, code: number, reason: Buffer): void {
  if (peer.readyState === WebSocket.CLOSED || peer.readyState === WebSocket.CLOSING) {
    return;
  }
  if (code === 1006 || code === 1015) {
    peer.terminate();
  } else if (code === 1005) {
    peer.close();
  } else {
    peer.close(code, reason);
  }
}
