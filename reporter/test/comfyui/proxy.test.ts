import { createServer } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";

import { afterEach, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";

import { ComfyuiProxy } from "../../src/comfyui/proxy/server.js";
import { QUEUED_PROMPT_SOURCE } from "../../src/comfyui/queued-prompt.js";
import { createRootLogger } from "../../src/log/logger.js";
import { waitFor } from "../helpers/fake-edge.js";

const log = createRootLogger({ level: "silent" });
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

interface Upstream {
  url: string;
  seen: IncomingHttpHeaders[];
  received: string[];
  /** Responses to `POST /prompt` held back by the header `x-hold`; calling one sends it. */
  held: (() => void)[];
}

/**
 * Responds to `POST /prompt` like ComfyUI: `{prompt_id, number, node_errors}` with the body's own
 * `prompt_id` or "generated-id". The headers `x-status`, `x-gzip` and `x-hold` change the response.
 */
function answerPrompt(request: IncomingMessage, response: ServerResponse, held: (() => void)[]): void {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    let promptId = "generated-id";
    try {
      promptId = (JSON.parse(Buffer.concat(chunks).toString("utf8")) as { prompt_id?: string }).prompt_id ?? promptId;
    } catch {
      // A body that is not JSON still gets a response, and the proxy must not report it.
    }
    const status = Number(request.headers["x-status"] ?? 200);
    const json = Buffer.from(JSON.stringify({ prompt_id: promptId, number: 1, node_errors: {} }));
    const gzip = request.headers["x-gzip"] !== undefined;
    const send = () => response.writeHead(status, { "content-type": "application/json", ...(gzip ? { "content-encoding": "gzip" } : {}) }).end(gzip ? gzipSync(json) : json);
    if (request.headers["x-hold"] === undefined) {
      send();
    } else {
      held.push(send);
    }
  });
}

/** Starts a stand-in for ComfyUI with its origin check, an echo route, a prompt route and a /ws that sends two frames. */
async function startUpstream(): Promise<Upstream> {
  const held: (() => void)[] = [];
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
    if (request.method === "POST" && (request.url === "/prompt" || request.url === "/api/prompt")) {
      answerPrompt(request, response, held);
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
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, received, held };
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

const GRAPH = {
  "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "v1-5-pruned-emaonly.safetensors" } },
  "3": { class_type: "KSampler", inputs: { seed: 1, model: ["4", 0] } },
};

/** Returns the prompt reports the proxy sent to the bridge, as `[prompt_id, node classes]`. */
function reports(observed: [string, string][]): [string, Record<string, { class_type?: string }>][] {
  return observed
    .filter(([, source]) => source === QUEUED_PROMPT_SOURCE)
    .map(([text]) => {
      const frame = JSON.parse(text) as { data: { prompt_id: string; prompt: Record<string, { class_type?: string }> } };
      return [frame.data.prompt_id, frame.data.prompt];
    });
}

async function post(url: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
  await response.arrayBuffer();
  return response;
}

// The proxy keeps each node's class and the nodes its inputs link to.
const CLASSES = { "4": { class_type: "CheckpointLoaderSimple" }, "3": { class_type: "KSampler", inputs_from: ["4"] } };

describe("ComfyUI proxy prompt graphs", () => {
  it("reports the graph with the id from ComfyUI's response", async () => {
    const upstream = await startUpstream();
    const observed: [string, string][] = [];
    const proxy = await startProxy(upstream.url, observed);

    await post(`http://${proxy}/prompt`, JSON.stringify({ prompt: GRAPH, client_id: "abc" }));
    await waitFor("a prompt report", () => reports(observed).length > 0);

    expect(reports(observed)).toEqual([["generated-id", CLASSES]]);
  });

  it("reports a prompt with its own id before ComfyUI answers", async () => {
    const upstream = await startUpstream();
    const observed: [string, string][] = [];
    const proxy = await startProxy(upstream.url, observed);

    const answered = post(`http://${proxy}/api/prompt`, JSON.stringify({ prompt: GRAPH, prompt_id: "own-id" }), { "x-hold": "1" });
    await waitFor("the request at ComfyUI", () => upstream.held.length === 1);
    const before = reports(observed);
    upstream.held.forEach((send) => send());
    await answered;

    expect(before).toEqual([["own-id", CLASSES]]);
    expect(reports(observed)).toHaveLength(1);
  });

  it("reads a gzip response", async () => {
    const upstream = await startUpstream();
    const observed: [string, string][] = [];
    const proxy = await startProxy(upstream.url, observed);

    await post(`http://${proxy}/prompt`, JSON.stringify({ prompt: GRAPH }), { "x-gzip": "1" });
    await waitFor("a prompt report", () => reports(observed).length > 0);

    expect(reports(observed)).toEqual([["generated-id", CLASSES]]);
  });

  it("reports no prompt that ComfyUI rejected", async () => {
    const upstream = await startUpstream();
    const observed: [string, string][] = [];
    const proxy = await startProxy(upstream.url, observed);

    const response = await post(`http://${proxy}/prompt`, JSON.stringify({ prompt: GRAPH }), { "x-status": "400" });
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(response.status).toBe(400);
    expect(reports(observed)).toEqual([]);
  });

  it("forwards a body over the copy limit without reading it", async () => {
    const upstream = await startUpstream();
    const observed: [string, string][] = [];
    const proxy = await startProxy(upstream.url, observed);
    const big = JSON.stringify({ prompt: { ...GRAPH, "5": { class_type: "Note", inputs: { text: "x".repeat(17 * 1024 * 1024) } } } });

    const response = await post(`http://${proxy}/prompt`, big);
    await new Promise((resolve) => setTimeout(resolve, 50));

    expect(response.status).toBe(200);
    expect(reports(observed)).toEqual([]);
  });

  it("reports nothing for other routes", async () => {
    const upstream = await startUpstream();
    const observed: [string, string][] = [];
    const proxy = await startProxy(upstream.url, observed);

    await post(`http://${proxy}/echo`, JSON.stringify({ prompt: GRAPH, prompt_id: "own-id" }));

    expect(reports(observed)).toEqual([]);
  });
});
