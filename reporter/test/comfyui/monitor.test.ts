import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

import type { ComfyuiState, ProtocolEvent, Service } from "@comfycarry/shared";
import { afterEach, describe, expect, it } from "vitest";

import { ComfyuiHttp } from "../../src/comfyui/http.js";
import { ComfyuiMonitor } from "../../src/comfyui/monitor.js";
import { pokeOnComfyuiChange } from "../../src/comfyui/service-watch.js";
import { createRootLogger } from "../../src/log/logger.js";
import type { ServiceManager } from "../../src/snapshot/sources.js";

const log = createRootLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

/** A /system_stats endpoint that can be taken down and brought back on the same port. */
class FakeComfyui {
  server: Server | null = null;
  port = 0;

  async up(): Promise<void> {
    const server = createServer((_request, response) => {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify({ system: { comfyui_version: "0.3.64", pytorch_version: "2.8.0", python_version: "3.12.3 (main)" } }));
    });
    await new Promise<void>((resolveListen) => server.listen(this.port, "127.0.0.1", resolveListen));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    await new Promise<void>((resolveClose) => server?.close(() => resolveClose()) ?? resolveClose());
  }
}

function onlineService(restarts: number): Service {
  return { name: "comfy", pm_id: 0, status: "online", pid: 4242, started_at: null, uptime_s: 1, restarts, cpu_percent: 0, memory_bytes: 0 };
}

let comfyui: FakeComfyui | null = null;
let monitor: ComfyuiMonitor | null = null;

afterEach(async () => {
  monitor?.stop();
  await comfyui?.down();
});

describe("ComfyUI monitor", () => {
  it("reports starting during a quick restart", async () => {
    comfyui = new FakeComfyui();
    await comfyui.up();
    let restarts = 0;
    const fake = comfyui;

    // PM2 says online throughout; ComfyUI's HTTP API is down for 600 ms, well inside the 3 s regular interval.
    const services: ServiceManager = {
      list: () => Promise.resolve([onlineService(restarts)]),
      start: () => Promise.resolve(onlineService(restarts)),
      stop: () => Promise.resolve(onlineService(restarts)),
      restart: async () => {
        await fake.down();
        restarts += 1;
        setTimeout(() => void fake.up(), 600);
        return onlineService(restarts);
      },
    };
    const current = new ComfyuiMonitor({ http: new ComfyuiHttp(`http://127.0.0.1:${fake.port}`), services, serviceName: "comfy", log, fastIntervalMs: 100 });
    monitor = current;
    const states: ComfyuiState[] = [];
    current.on("event", (event: ProtocolEvent) => {
      if (event.kind === "comfyui.state") {
        states.push(event.state);
      }
    });
    current.start();
    await waitUntil(() => states.includes("online"), 2_000);

    const watched = pokeOnComfyuiChange(services, "comfy", () => current.poke());
    await watched.restart("comfy");
    await waitUntil(() => states.at(-1) === "online" && states.length >= 3, 3_000);

    expect(states[0]).toBe("online");
    expect(states).toContain("starting");
    expect(states.at(-1)).toBe("online");
  });

  it("reports online when only /system_stats fails", async () => {
    // ComfyUI after an NVML error returns 500 on /system_stats while /queue and prompts still work.
    const server = createServer((request, response) => {
      response.setHeader("content-type", "application/json");
      if (request.url === "/system_stats") {
        response.statusCode = 500;
        response.end(JSON.stringify({ error: "NVML_ERROR_UNKNOWN" }));
        return;
      }
      response.end(JSON.stringify({ queue_running: [], queue_pending: [] }));
    });
    await new Promise<void>((resolveListen) => server.listen(0, "127.0.0.1", resolveListen));
    const port = (server.address() as AddressInfo).port;
    const services: ServiceManager = {
      list: () => Promise.resolve([onlineService(0)]),
      start: () => Promise.resolve(onlineService(0)),
      stop: () => Promise.resolve(onlineService(0)),
      restart: () => Promise.resolve(onlineService(0)),
    };
    const current = new ComfyuiMonitor({ http: new ComfyuiHttp(`http://127.0.0.1:${port}`), services, serviceName: "comfy", log });

    try {
      await current.check();
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
    }

    expect(current.health.state).toBe("online");
    expect(current.health.online).toBe(true);
    expect(current.health.version).toBeNull();
  });

  it("leaves other services alone", async () => {
    let pokes = 0;
    const services: ServiceManager = {
      list: () => Promise.resolve([]),
      start: () => Promise.resolve(onlineService(0)),
      stop: () => Promise.resolve(onlineService(0)),
      restart: () => Promise.resolve(onlineService(0)),
    };
    const watched = pokeOnComfyuiChange(services, "comfy", () => {
      pokes += 1;
    });
    await watched.restart("jupyter");
    expect(pokes).toBe(0);
    await watched.restart("comfy");
    expect(pokes).toBe(2);
  });

  it("reports a stop or restart of ComfyUI once it is done", async () => {
    const stopped: string[] = [];
    const services: ServiceManager = {
      list: () => Promise.resolve([]),
      start: () => Promise.resolve(onlineService(0)),
      stop: () => Promise.resolve(onlineService(0)),
      restart: () => Promise.resolve(onlineService(1)),
    };
    const watched = pokeOnComfyuiChange(services, "comfy", () => undefined, (action) => stopped.push(action));

    await watched.start("comfy");
    await watched.restart("jupyter");
    await watched.restart("comfy");
    await watched.stop("comfy");

    expect(stopped).toEqual(["restarted", "stopped"]);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolveSleep) => setTimeout(resolveSleep, 20));
  }
}
