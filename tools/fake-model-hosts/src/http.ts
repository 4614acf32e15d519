import { once } from "node:events";
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

import type { SyntheticFile } from "./synthetic-file.js";

/** One request as a fake host received it, for tests that check what a client sent. */
export interface LoggedRequest {
  method: string;
  /** Path and query exactly as sent. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  status: number;
  /** Body bytes written before the response finished or the client went away. */
  bodyBytes: number;
  /** When the request arrived and when its response ended, in ms since the epoch. */
  startedAt: number;
  at: number;
}

const bodyBytes = new WeakMap<ServerResponse, number>();

/** A loopback HTTP server on a port the OS picked. */
export interface RunningServer {
  server: Server;
  origin: string;
  close(): Promise<void>;
}

/** Starts `handler` on 127.0.0.1 with a free port. */
export async function listenLoopback(handler: RequestListener): Promise<RunningServer> {
  const server = createServer(handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    server,
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

/** Records each finished response in `log`. */
export function logRequests(log: LoggedRequest[], req: IncomingMessage, res: ServerResponse): void {
  const startedAt = Date.now();
  const record = (): void => {
    log.push({ method: req.method ?? "", url: req.url ?? "", headers: { ...req.headers }, status: res.statusCode, bodyBytes: bodyBytes.get(res) ?? 0, startedAt, at: Date.now() });
  };
  res.on("finish", record);
  res.on("close", () => {
    if (!res.writableFinished) {
      record();
    }
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, body: string, contentType: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "Content-Type": contentType, "Content-Length": Buffer.byteLength(body), ...headers });
  res.end(body);
}

/** A byte range; `end` is exclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Parses a single-range `Range: bytes=a-b` header (also `a-` and `-n`). Returns null when
 * absent or not a single bytes range (the server then sends the whole file, as RFC 9110
 * allows), and "unsatisfiable" when the range starts past the end.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null | "unsatisfiable" {
  if (header === undefined) {
    return null;
  }
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === "" && match[2] === "")) {
    return null;
  }
  const first = match[1] ?? "";
  const last = match[2] ?? "";
  if (first === "") {
    const suffix = Number(last);
    return suffix === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(first);
  if (start >= size) {
    return "unsatisfiable";
  }
  const end = last === "" ? size : Math.min(size, Number(last) + 1);
  return end <= start ? null : { start, end };
}

export interface ServeFileOptions {
  file: SyntheticFile;
  /** Extra headers for both 200 and 206 responses (Content-Disposition, ETag, …). */
  headers: Record<string, string>;
  /** Per-connection cap in bytes per second; 0 means uncapped. */
  bytesPerSecond: number;
  /** Sends this body instead of the file, to model a store that serves the wrong thing. */
  bodyOverride?: Buffer;
}

/** Serves a synthetic file with `Range` support (206, 416) and a per-response bandwidth cap. */
export function serveFile(req: IncomingMessage, res: ServerResponse, options: ServeFileOptions): void {
  const body = options.bodyOverride;
  const size = body === undefined ? options.file.size : body.length;
  const range = parseRange(req.headers.range, size);
  if (range === "unsatisfiable") {
    res.writeHead(416, { "Content-Range": `bytes */${size}`, "Content-Length": 0 });
    res.end();
    return;
  }

  const start = range === null ? 0 : range.start;
  const end = range === null ? size : range.end;
  const headers: Record<string, string | number> = {
    "Content-Type": "application/octet-stream",
    "Accept-Ranges": "bytes",
    "Content-Length": end - start,
    ...options.headers,
  };
  if (range !== null) {
    headers["Content-Range"] = `bytes ${start}-${end - 1}/${size}`;
  }
  res.writeHead(range === null ? 200 : 206, headers);
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const read = body === undefined ? (from: number, to: number) => options.file.read(from, to) : (from: number, to: number) => body.subarray(from, to);
  void pump(res, read, start, end, options.bytesPerSecond);
}

const CHUNK = 64 * 1024;

async function pump(res: ServerResponse, read: (from: number, to: number) => Buffer, start: number, end: number, bytesPerSecond: number): Promise<void> {
  const began = Date.now();
  let sent = 0;
  const chunkSize = bytesPerSecond > 0 ? Math.max(1024, Math.min(CHUNK, Math.floor(bytesPerSecond / 20))) : CHUNK;
  for (let offset = start; offset < end && !res.destroyed; offset += chunkSize) {
    const chunk = read(offset, Math.min(end, offset + chunkSize));
    sent += chunk.length;
    const accepted = res.write(chunk);
    bodyBytes.set(res, sent);
    if (!accepted) {
      await drainOrClose(res);
    }
    if (bytesPerSecond > 0) {
      // Sleep until the bytes sent so far fit the cap, so the average never exceeds it.
      const due = began + (sent / bytesPerSecond) * 1000;
      const wait = due - Date.now();
      if (wait > 0) {
        await new Promise<void>((resolve) => setTimeout(resolve, wait));
      }
    }
  }
  res.end();
}

function drainOrClose(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}
