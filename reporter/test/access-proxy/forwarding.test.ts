import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingHttpHeaders, Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket, { WebSocketServer } from "ws";

import { accessProxyAddress } from "../../src/access-proxy/address.js";
import { startAccessProxy } from "../../src/access-proxy/feature.js";
import type { RunningAccessProxy } from "../../src/access-proxy/feature.js";
import { ProxyRoutes } from "../../src/access-proxy/routes.js";
import type { AccessService } from "../../src/access-proxy/services.js";
import { createRootLogger } from "../../src/log/logger.js";
import { freePort } from "../helpers/simulator.js";
import { FakeAccessEdge, FakeClock, INSTANCE_ID, cookieOf, freshTicket, httpCall } from "./harness.js";

// What the access proxy sends upstream (credentials removed, Host and Origin rewritten), its
// "starting" page while ComfyUI is down, and local services picked by host name.

const log = createRootLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const HTML = { accept: "text/html" };

interface Recorder {
  server: Server;
  port: number;
  seen: { url: string; headers: IncomingHttpHeaders }[];
}

/** Starts an upstream that records each request's URL and headers and responds with its own name. */
async function startRecorder(name: string): Promise<Recorder> {
  const seen: Recorder["seen"] = [];
  const server = createServer((request, response) => {
    seen.push({ url: request.url ?? "", headers: request.headers });
    request.resume();
    response.writeHead(200, { "content-type": "text/plain" }).end(name);
  });
  const sockets = new WebSocketServer({ server });
  sockets.on("connection", (socket, request) => {
    seen.push({ url: request.url ?? "", headers: request.headers });
    socket.send(`${name} socket`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as AddressInfo).port, seen };
}

let dir: string;
let comfy: Recorder;
let jupyter: Recorder;
let downPort: number;
const edge = new FakeAccessEdge();
const clock = new FakeClock();
const services: AccessService[] = [];
let proxy: RunningAccessProxy;
let downProxy: RunningAccessProxy;
let cookie: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cc-access-forward-"));
  comfy = await startRecorder("comfy");
  jupyter = await startRecorder("jupyter");
  downPort = await freePort();
  edge.tokens.set("cca_control", "control");
  const common = { instanceId: INSTANCE_ID, edgeUrl: "http://edge.invalid", token: "cct_unused", stateDir: dir, port: 0, log, observe: () => undefined, now: clock.now, edge, routes: new ProxyRoutes() };
  proxy = await startAccessProxy({ ...common, comfyuiUrl: `http://127.0.0.1:${comfy.port}`, services: () => services });
  downProxy = await startAccessProxy({ ...common, comfyuiUrl: `http://127.0.0.1:${downPort}` });

  const login = await fetch(`http://127.0.0.1:${proxy.port}/__cc/login?ticket=${freshTicket(edge, clock)}`, { redirect: "manual" });
  cookie = cookieOf(login) ?? "";
});

afterAll(async () => {
  await proxy.stop();
  await downProxy.stop();
  comfy.server.close();
  jupyter.server.close();
  rmSync(dir, { recursive: true, force: true });
});

function lastSeen(recorder: Recorder): { url: string; headers: IncomingHttpHeaders } {
  const last = recorder.seen.at(-1);
  if (last === undefined) {
    throw new Error("the upstream saw no request");
  }
  return last;
}

describe("forwarded request", () => {
  beforeAll(async () => {
    await httpCall(proxy.port, "/system_stats", {
      headers: { cookie: `${cookie}; comfy_theme=dark`, host: "comfy.example.com", origin: "https://comfy.example.com" },
    });
  });

  it("drops the proxy session cookie", () => {
    expect(lastSeen(comfy).headers.cookie).toBe("comfy_theme=dark");
  });

  it("sets Host to ComfyUI's address", () => {
    expect(lastSeen(comfy).headers.host).toBe(`127.0.0.1:${comfy.port}`);
  });

  it("sets Origin to ComfyUI's origin", () => {
    expect(lastSeen(comfy).headers.origin).toBe(`http://127.0.0.1:${comfy.port}`);
  });

  it("drops the Bearer token", async () => {
    await httpCall(proxy.port, "/system_stats", { headers: { authorization: "Bearer cca_control" } });
    expect(lastSeen(comfy).headers.authorization).toBeUndefined();
  });

  it("drops ?token= from a socket URL", async () => {
    await new Promise<void>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws?clientId=a&token=cca_control`);
      socket.once("message", () => {
        socket.close();
        resolve();
      });
      socket.once("error", reject);
    });
    expect(lastSeen(comfy).url).toBe("/ws?clientId=a");
  });
});

describe("starting page", () => {
  it("answers 502 while ComfyUI is down", async () => {
    const response = await httpCall(downProxy.port, "/", { headers: { ...HTML, authorization: "Bearer cca_control" } });
    expect(response.status).toBe(502);
  });

  it("answers 200 behind Cloudflare", async () => {
    const response = await httpCall(downProxy.port, "/", { headers: { ...HTML, authorization: "Bearer cca_control", "cf-ray": "8f00000000000000-AMS" } });
    expect(response.status).toBe(200);
  });

  it("refreshes itself", async () => {
    const response = await httpCall(downProxy.port, "/", { headers: { ...HTML, authorization: "Bearer cca_control" } });
    expect(response.body).toContain('http-equiv="refresh"');
  });

  it("speaks Chinese and English", async () => {
    const response = await httpCall(downProxy.port, "/", { headers: { ...HTML, authorization: "Bearer cca_control" } });
    expect(response.body).toContain("ComfyUI 正在启动");
    expect(response.body).toContain("ComfyUI is starting");
  });

  it("is not shown without a login", async () => {
    const response = await httpCall(downProxy.port, "/", { headers: { ...HTML, "cf-ray": "8f00000000000000-AMS" } });
    expect(response.status).toBe(302);
  });

  it("leaves API calls with a plain 502", async () => {
    const response = await httpCall(downProxy.port, "/system_stats", { headers: { authorization: "Bearer cca_control" } });
    expect(response.status).toBe(502);
    expect(response.body).not.toContain("<html");
  });
});

describe("local services", () => {
  beforeAll(() => {
    services.splice(0, services.length, { name: "jupyter", port: jupyter.port, protocol: "http" });
  });

  it("forwards the service's host name to it", async () => {
    const response = await httpCall(proxy.port, "/lab", { headers: { cookie, host: "mybox-jupyter.example.com" } });
    expect(response.body).toBe("jupyter");
  });

  it("forwards other host names to ComfyUI", async () => {
    const response = await httpCall(proxy.port, "/lab", { headers: { cookie, host: "mybox.example.com" } });
    expect(response.body).toBe("comfy");
  });

  it("requires the same login", async () => {
    const response = await httpCall(proxy.port, "/lab", { headers: { host: "mybox-jupyter.example.com" } });
    expect(response.status).toBe(401);
  });

  it("relays the service's sockets", async () => {
    const frame = await new Promise<string>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${proxy.port}/api/kernels/1/channels`, { headers: { authorization: "Bearer cca_control", host: "mybox-jupyter.example.com" } });
      socket.once("message", (data) => {
        socket.close();
        resolve(String(data));
      });
      socket.once("error", reject);
    });
    expect(frame).toBe("jupyter socket");
  });
});

describe("address", () => {
  it("publishes the bound port for the tunnel", () => {
    // The proxy that listened last owns the process-wide address.
    expect(accessProxyAddress()).toEqual({ host: "127.0.0.1", port: downProxy.port });
  });
});
