import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";

import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";

import { ComfyuiProxy } from "../../src/comfyui/proxy/server.js";
import { createRootLogger } from "../../src/log/logger.js";
import { waitFor } from "../helpers/fake-edge.js";

const log = createRootLogger({ level: "silent" });
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

/** Starts a stand-in for ComfyUI with its origin check, an echo route and a /ws that sends two frames. */
async function startUpstream(): Promise<{ url: string; seen: IncomingHttpHeaders[]; received: string[] }> {
  const seen: IncomingHttpHeaders[] = [];
  const received: string[] = [];
  const originOk = (headers: IncomingHttpHeaders) => headers.origin === undefined || new URL(headers.origin).host === headers.host;
  const sockets = new WebSocketServer({ noServer: true });
  const server: Server = createServer((request, response) => {
    seen.push(request.headers);
    if (!originOk(request.headers)) {
      response.writeHead(403).end();
      return;
    }
    if (request.url === "/echo") {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      request.pipe(response);
      return;
    }
    response.writeHead(200, { "content-type": "application/json" }).end('{"ok": true}');
  });
  server.on("upgrade", (request, socket, head) => {
    seen.push(request.headers);
    if (!originOk(request.headers)) {
      socket.end("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    sockets.handleUpgrade(request, socket, head, (client) => {
      client.on("message", (data) => received.push(String(data)));
      client.send(JSON.stringify({ type: "status", data: { sid: "abc" } }));
      client.send(Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 0xff]), { binary: true });
      client.send(JSON.stringify({ type: "executing", data: { node: "3", prompt_id: "p1" } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => {
    sockets.clients.forEach((client) => client.terminate());
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, received };
}

async function startProxy(target: string, observed: [string, string][] = []): Promise<string> {
  const proxy = new ComfyuiProxy({ target, port: 0, log, observe: (text, source) => observed.push([text, source]) });
  const port = await proxy.listen();
  cleanups.push(() => proxy.close());
  return `127.0.0.1:${port}`;
}

describe("ComfyUI proxy", () => {
  it("passes ComfyUI's origin check for a foreign origin", async () => {
    const upstream = await startUpstream();
    const proxy = await startProxy(upstream.url);

    const response = await fetch(`http://${proxy}/queue`, { headers: { origin: "https://comfy.example.com" } });

    expect(response.status).toBe(200);
    expect(upstream.seen.at(-1)?.origin).toBe(upstream.url);
  });

  it("streams a request body through", async () => {
    const upstream = await startUpstream();
    const proxy = await startProxy(upstream.url);
    const body = Buffer.alloc(3 * 1024 * 1024, 7);

    const response = await fetch(`http://${proxy}/echo`, { method: "POST", body });

    expect(Buffer.from(await response.arrayBuffer()).equals(body)).toBe(true);
  });

  it("answers 502 when ComfyUI is down", async () => {
    const proxy = await startProxy("http://127.0.0.1:1");

    const response = await fetch(`http://${proxy}/queue`);

    expect(response.status).toBe(502);
  });

  it("relays /ws frames both ways and copies text frames to the observer", async () => {
    const upstream = await startUpstream();
    const observed: [string, string][] = [];
    const proxy = await startProxy(upstream.url, observed);
    const client = new WebSocket(`ws://${proxy}/ws?clientId=abc`, { origin: "https://comfy.example.com" });
    cleanups.push(() => client.terminate());
    const frames: { binary: boolean }[] = [];
    client.on("message", (_data, binary) => frames.push({ binary }));
    await new Promise((resolve) => client.once("open", resolve));

    client.send(JSON.stringify({ type: "feature_flags", data: {} }));
    await waitFor("three frames at the client", () => frames.length === 3);
    await waitFor("the client frame at ComfyUI", () => upstream.received.length === 1);

    expect(frames.map((frame) => frame.binary)).toEqual([false, true, false]);
    expect(observed.map(([text]) => (JSON.parse(text) as { type: string }).type)).toEqual(["status", "executing"]);
    expect(observed[0]?.[1]).toMatch(/^proxy:/);
  });

  it("relays /api/ws as well", async () => {
    const upstream = await startUpstream();
    const observed: [string, string][] = [];
    const proxy = await startProxy(upstream.url, observed);
    const client = new WebSocket(`ws://${proxy}/api/ws`);
    cleanups.push(() => client.terminate());

    await waitFor("two observed frames", () => observed.length === 2);
  });

  it("refuses a socket when ComfyUI is down", async () => {
    const proxy = await startProxy("http://127.0.0.1:1");
    const client = new WebSocket(`ws://${proxy}/ws`);
    cleanups.push(() => client.terminate());

    const status = await new Promise<number>((resolve) => {
      client.on("unexpected-response", (_request, response) => resolve(response.statusCode ?? 0));
      client.on("error", () => resolve(-1));
    });

    expect(status).toBe(502);
  });
});
