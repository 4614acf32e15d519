import { Agent, request as httpRequest } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex, Readable } from "node:stream";
import { pipeline } from "node:stream";

import type { Logger } from "../../log/logger.js";
import { downstreamHeaders, upstreamHeaders } from "./headers.js";
import { PromptTee, isPromptPost } from "./prompt-tee.js";
import { transferMeter } from "./transfer-gc.js";

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/**
 * Forwards one HTTP request to ComfyUI; bodies stream in both directions and are never
 * buffered whole. A `POST /prompt` is also copied aside to tell `observe` the prompt's graph.
 * `body` replaces the request's own body stream when a step before this one has read it.
 */
export function forwardRequest(request: IncomingMessage, response: ServerResponse, target: URL, log: Logger, observe: (text: string, source: string) => void, body: Readable = request): void {
  const tee = isPromptPost(request) ? new PromptTee(request, observe, log, body) : null;
  const upstream = httpRequest({
    agent,
    host: target.hostname,
    port: target.port,
    method: request.method,
    path: request.url,
    headers: upstreamHeaders(request, target, { websocket: false }),
  });

  upstream.on("response", (answer) => {
    response.writeHead(answer.statusCode ?? 502, answer.statusMessage, downstreamHeaders(answer.headers));
    tee?.onResponse(answer);
    pipeline(answer, transferMeter(), response, (error) => {
      if (error !== undefined && error !== null) {
        log.debug({ err: error, method: request.method, path: request.url }, "response from ComfyUI ended early");
      }
    });
  });

  // The request body may finish before ComfyUI refuses the connection, so errors are handled on `upstream` itself.
  upstream.on("error", (error) => {
    log.warn({ err: error, method: request.method, path: request.url }, "proxying to ComfyUI failed");
    if (!response.headersSent) {
      response.writeHead(502, { "content-type": "text/plain; charset=utf-8" });
      response.end(`ComfyUI is not reachable at ${target.origin}: ${error.message}\n`);
    } else {
      response.destroy();
    }
  });
  pipeline(body, transferMeter(), upstream, () => {
    // Failures surface through the `error` handler above or the response side.
  });

  response.on("close", () => {
    if (!response.writableFinished) {
      upstream.destroy();
    }
  });
}

/** Relays an upgrade other than ComfyUI's /ws (custom nodes may add sockets) as raw bytes, unobserved. */
export function forwardRawUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, target: URL, log: Logger): void {
  const headers = upstreamHeaders(request, target, { websocket: false });
  headers.connection = "Upgrade";
  headers.upgrade = request.headers.upgrade ?? "websocket";
  const upstream = httpRequest({ host: target.hostname, port: target.port, method: request.method, path: request.url, headers });

  upstream.on("upgrade", (answer, upstreamSocket, upstreamHead) => {
    const lines = [`HTTP/1.1 ${answer.statusCode ?? 101} ${answer.statusMessage ?? "Switching Protocols"}`];
    for (let i = 0; i < answer.rawHeaders.length; i += 2) {
      lines.push(`${answer.rawHeaders[i] ?? ""}: ${answer.rawHeaders[i + 1] ?? ""}`);
    }
    socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    if (upstreamHead.length > 0) {
      socket.write(upstreamHead);
    }
    if (head.length > 0) {
      upstreamSocket.write(head);
    }
    upstreamSocket.pipe(socket).pipe(upstreamSocket);
    upstreamSocket.on("error", () => socket.destroy());
    socket.on("error", () => upstreamSocket.destroy());
  });
  upstream.on("response", (answer) => {
    socket.end(`HTTP/1.1 ${answer.statusCode ?? 502} ${answer.statusMessage ?? ""}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
    answer.resume();
  });
  upstream.on("error", (error) => {
    log.warn({ err: error, path: request.url }, "proxying an upgrade to ComfyUI failed");
    socket.end("HTTP/1.1 502 Bad Gateway\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
  });
  upstream.end();
}
