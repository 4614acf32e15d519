import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

import { startAccessProxy } from "../../src/access-proxy/feature.js";
import type { RunningAccessProxy } from "../../src/access-proxy/feature.js";
import { ProxyRoutes } from "../../src/access-proxy/routes.js";
import { createRootLogger } from "../../src/log/logger.js";
import { Simulator } from "../helpers/simulator.js";
import { FakeAccessEdge, FakeClock, INSTANCE_ID, cookieOf, freshTicket, httpCall, signTicket } from "./harness.js";

// The access proxy in front of the ComfyUI simulator: what gets through without a session,
// with a dashboard ticket, and with an API token the (fake) edge checks.

const log = createRootLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const HTML = { accept: "text/html,application/xhtml+xml" };

let dir: string;
let simulator: Simulator;
const edge = new FakeAccessEdge();
const clock = new FakeClock();
const routes = new ProxyRoutes();
const observed: string[] = [];
let running: RunningAccessProxy;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cc-access-proxy-"));
  simulator = await Simulator.start({ baseDir: join(dir, "comfyui"), stepMs: 5 });
  running = await startAccessProxy({
    instanceId: INSTANCE_ID,
    edgeUrl: "http://edge.invalid",
    token: "cct_unused",
    stateDir: dir,
    comfyuiUrl: simulator.url,
    port: 0,
    log,
    observe: (text) => observed.push(text),
    now: clock.now,
    edge,
    routes,
  });
  base = `http://127.0.0.1:${running.port}`;
  routes.register("/__cc/broken/", () => Promise.reject(new Error("route failed on purpose")));
  routes.register("/__cc/echo/", (request, response) => {
    response.writeHead(200, { "content-type": "text/plain" }).end(`echo ${request.url ?? ""}`);
    return Promise.resolve();
  });
});

afterAll(async () => {
  await running.stop();
  await simulator.kill();
  rmSync(dir, { recursive: true, force: true });
});

function graph() {
  return {
    "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "v1-5-pruned-emaonly.safetensors" } },
    "6": { class_type: "CLIPTextEncode", inputs: { text: "a cat", clip: ["4", 1] } },
    "7": { class_type: "CLIPTextEncode", inputs: { text: "", clip: ["4", 1] } },
    "5": { class_type: "EmptyLatentImage", inputs: { width: 64, height: 64, batch_size: 1 } },
    "3": {
      class_type: "KSampler",
      inputs: { seed: 1, steps: 2, cfg: 7, sampler_name: "euler", scheduler: "normal", denoise: 1, model: ["4", 0], positive: ["6", 0], negative: ["7", 0], latent_image: ["5", 0] },
    },
    "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
    "9": { class_type: "SaveImage", inputs: { filename_prefix: "access", images: ["8", 0] } },
  };
}

/** Logs in with a fresh ticket and returns the session cookie pair. */
async function login(): Promise<string> {
  const response = await fetch(`${base}/__cc/login?ticket=${freshTicket(edge, clock)}&next=/`, { redirect: "manual" });
  expect(response.status).toBe(303);
  const cookie = cookieOf(response);
  if (cookie === null) {
    throw new Error("login set no cookie");
  }
  return cookie;
}

/** Builds a multipart body for /upload/image with one small PNG-named file. */
function uploadForm(name: string): FormData {
  const form = new FormData();
  form.append("image", new Blob([Buffer.from("not really a png, but bytes")], { type: "image/png" }), name);
  form.append("overwrite", "true");
  return form;
}

/** Opens a socket and resolves with its first text frame, or rejects with the HTTP status of a refused upgrade. */
function firstFrame(url: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    socket.once("message", (data) => {
      socket.close();
      resolve(String(data));
    });
    socket.once("unexpected-response", (_request, response) => {
      socket.terminate();
      reject(new Error(`upgrade refused with ${response.statusCode ?? 0}`));
    });
    socket.once("error", reject);
  });
}

describe("without a session", () => {
  it("redirects a page to the dashboard", async () => {
    const response = await httpCall(running.port, "/", { headers: HTML });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`http://edge.invalid/instances/${INSTANCE_ID}`);
  });

  it("rejects POST /prompt", async () => {
    const response = await fetch(`${base}/prompt`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: graph() }) });
    expect(response.status).toBe(401);
  });

  it("rejects /view", async () => {
    expect((await fetch(`${base}/view?filename=x.png&type=input`)).status).toBe(401);
  });

  it("rejects /upload/image", async () => {
    expect((await fetch(`${base}/upload/image`, { method: "POST", body: uploadForm("anon.png") })).status).toBe(401);
  });

  it("rejects the /ws socket", async () => {
    await expect(firstFrame(`ws://127.0.0.1:${running.port}/ws`)).rejects.toThrow("upgrade refused with 401");
  });

  it("rejects ComfyCarry routes under /__cc/", async () => {
    expect((await fetch(`${base}/__cc/echo/x`)).status).toBe(401);
  });

  it("forwards nothing to ComfyUI", async () => {
    const before = observed.length;
    await fetch(`${base}/prompt`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: graph(), prompt_id: "anon-1" }) });
    expect(observed.slice(before).some((text) => text.includes("anon-1"))).toBe(false);
  });
});

describe("with a dashboard ticket", () => {
  let cookie: string;
  beforeAll(async () => {
    cookie = await login();
  });

  it("sets an HttpOnly SameSite session cookie", async () => {
    const response = await fetch(`${base}/__cc/login?ticket=${freshTicket(edge, clock)}&next=/queue`, { redirect: "manual" });
    const header = response.headers.get("set-cookie") ?? "";
    expect(header).toContain("HttpOnly");
    expect(header).toContain("SameSite=Lax");
    expect(response.headers.get("location")).toBe("/queue");
  });

  it("serves ComfyUI's page", async () => {
    const response = await httpCall(running.port, "/", { headers: { ...HTML, cookie } });
    expect(response.status).toBe(200);
  });

  it("queues a prompt and reports its graph", async () => {
    const response = await httpCall(running.port, "/prompt", {
      method: "POST",
      headers: { cookie, "content-type": "application/json", origin: `http://127.0.0.1:${running.port}`, host: `127.0.0.1:${running.port}` },
      body: JSON.stringify({ prompt: graph(), prompt_id: "through-access-proxy" }),
    });
    expect(response.status).toBe(200);
    expect(observed.some((text) => text.includes("through-access-proxy"))).toBe(true);
  });

  it("uploads an image and views it", async () => {
    const upload = await fetch(`${base}/upload/image`, { method: "POST", headers: { cookie }, body: uploadForm("ticket.png") });
    expect(upload.status).toBe(200);
    const view = await fetch(`${base}/view?filename=ticket.png&type=input`, { headers: { cookie } });
    expect(view.status).toBe(200);
    expect(await view.text()).toBe("not really a png, but bytes");
  });

  it("opens the /ws socket", async () => {
    const frame = await firstFrame(`ws://127.0.0.1:${running.port}/ws?clientId=ticket-client`, { cookie });
    expect(JSON.parse(frame)).toMatchObject({ type: "status" });
  });

  it("serves ComfyCarry routes under /__cc/", async () => {
    const response = await fetch(`${base}/__cc/echo/x?y=1`, { headers: { cookie } });
    expect(await response.text()).toBe("echo /__cc/echo/x?y=1");
  });

  it("answers 500 when a /__cc/ route fails", async () => {
    expect((await fetch(`${base}/__cc/broken/x`, { headers: { cookie } })).status).toBe(500);
  });

  it("answers 404 for an unregistered /__cc/ route", async () => {
    expect((await fetch(`${base}/__cc/nothing/here`, { headers: { cookie } })).status).toBe(404);
  });

  it("rejects a cross-site POST with the session", async () => {
    const response = await httpCall(running.port, "/prompt", {
      method: "POST",
      headers: { cookie, "content-type": "application/json", origin: "https://evil.example", host: "comfy.example.com" },
      body: JSON.stringify({ prompt: graph() }),
    });
    expect(response.status).toBe(403);
  });

  it("rejects a cross-site socket with the session", async () => {
    await expect(firstFrame(`ws://127.0.0.1:${running.port}/ws`, { cookie, origin: "https://evil.example" })).rejects.toThrow("upgrade refused with 403");
  });

  it("adds no CORS header", async () => {
    const response = await httpCall(running.port, "/system_stats", { headers: { cookie, origin: "https://evil.example" } });
    expect(response.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("still rejects a second client without the cookie", async () => {
    expect((await fetch(`${base}/view?filename=ticket.png&type=input`)).status).toBe(401);
  });

  it("ends the session on logout", async () => {
    const own = await login();
    await fetch(`${base}/__cc/logout`, { headers: { cookie: own }, redirect: "manual" });
    expect((await fetch(`${base}/system_stats`, { headers: { cookie: own } })).status).toBe(401);
  });
});

describe("tickets", () => {
  it("rejects a ticket used twice", async () => {
    const ticket = freshTicket(edge, clock);
    await fetch(`${base}/__cc/login?ticket=${ticket}`, { redirect: "manual" });
    const second = await fetch(`${base}/__cc/login?ticket=${ticket}`, { redirect: "manual" });
    expect(second.status).toBe(401);
  });

  it("rejects an expired ticket", async () => {
    const ticket = freshTicket(edge, clock);
    clock.advance(61_000);
    const response = await fetch(`${base}/__cc/login?ticket=${ticket}`, { redirect: "manual" });
    expect(response.status).toBe(401);
  });

  it("rejects a tampered ticket", async () => {
    const ticket = freshTicket(edge, clock);
    const later = ticket.replace(/\.(\d+)\./, (_match, expiry: string) => `.${Number(expiry) + 1000}.`);
    expect((await fetch(`${base}/__cc/login?ticket=${later}`, { redirect: "manual" })).status).toBe(401);
  });

  it("rejects a ticket signed with another key", async () => {
    const ticket = signTicket(Buffer.alloc(32, 7), { expiresAtMs: clock.nowMs + 30_000 });
    expect((await fetch(`${base}/__cc/login?ticket=${ticket}`, { redirect: "manual" })).status).toBe(401);
  });

  it("rejects a ticket for another instance", async () => {
    const ticket = signTicket(edge.key, { instanceId: "gpu-2", expiresAtMs: clock.nowMs + 30_000 });
    expect((await fetch(`${base}/__cc/login?ticket=${ticket}`, { redirect: "manual" })).status).toBe(401);
  });

  it("rejects a ticket that expires too far ahead", async () => {
    const ticket = signTicket(edge.key, { expiresAtMs: clock.nowMs + 3_600_000 });
    expect((await fetch(`${base}/__cc/login?ticket=${ticket}`, { redirect: "manual" })).status).toBe(401);
  });

  it("redirects only to paths on the proxy", async () => {
    const response = await fetch(`${base}/__cc/login?ticket=${freshTicket(edge, clock)}&next=//evil.example/`, { redirect: "manual" });
    expect(response.headers.get("location")).toBe("/");
  });

  it("ends the session after twelve hours", async () => {
    const cookie = await login();
    clock.advance(12 * 60 * 60_000 + 1);
    expect((await fetch(`${base}/system_stats`, { headers: { cookie } })).status).toBe(401);
  });
});

describe("API tokens", () => {
  it("opens ComfyUI with a control token", async () => {
    edge.tokens.set("cca_control_one", "control");
    const response = await fetch(`${base}/system_stats`, { headers: { authorization: "Bearer cca_control_one" } });
    expect(response.status).toBe(200);
  });

  it("rejects a read-only token", async () => {
    edge.tokens.set("cca_read_only", "read");
    expect((await fetch(`${base}/system_stats`, { headers: { authorization: "Bearer cca_read_only" } })).status).toBe(401);
  });

  it("rejects an unknown token", async () => {
    expect((await fetch(`${base}/system_stats`, { headers: { authorization: "Bearer cca_nobody" } })).status).toBe(401);
  });

  it("opens /ws with ?token=", async () => {
    edge.tokens.set("cca_socket", "admin");
    const frame = await firstFrame(`ws://127.0.0.1:${running.port}/ws?clientId=api-client&token=cca_socket`);
    expect(JSON.parse(frame)).toMatchObject({ type: "status" });
  });

  it("ignores ?token= on plain HTTP", async () => {
    edge.tokens.set("cca_query", "admin");
    expect((await fetch(`${base}/system_stats?token=cca_query`)).status).toBe(401);
  });

  it("stops a revoked token within the cache time", async () => {
    edge.tokens.set("cca_revoked", "control");
    const headers = { authorization: "Bearer cca_revoked" };
    expect((await fetch(`${base}/system_stats`, { headers })).status).toBe(200);

    edge.tokens.delete("cca_revoked");
    clock.advance(30_000);
    expect((await fetch(`${base}/system_stats`, { headers })).status).toBe(200);
    clock.advance(30_001);
    expect((await fetch(`${base}/system_stats`, { headers })).status).toBe(401);
  });

  it("asks the edge once per cache period", async () => {
    edge.tokens.set("cca_cached", "control");
    const before = edge.tokenChecks;
    for (let i = 0; i < 3; i += 1) {
      await fetch(`${base}/system_stats`, { headers: { authorization: "Bearer cca_cached" } });
    }
    expect(edge.tokenChecks - before).toBe(1);
  });
});

describe("edge check limit", () => {
  it("rejects new tokens over ten a second", async () => {
    clock.advance(1_000);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      const response = await fetch(`${base}/system_stats`, { headers: { authorization: `Bearer cca_flood_${i}` } });
      statuses.push(response.status);
    }
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.filter((status) => status === 401)).toHaveLength(10);
  });

  it("checks tokens again in the next second", async () => {
    clock.advance(1_000);
    edge.tokens.set("cca_after_flood", "control");
    expect((await fetch(`${base}/system_stats`, { headers: { authorization: "Bearer cca_after_flood" } })).status).toBe(200);
  });
});

describe("edge unreachable", () => {
  it("keeps an existing session", async () => {
    const cookie = await login();
    edge.reachable = false;
    try {
      expect((await fetch(`${base}/system_stats`, { headers: { cookie } })).status).toBe(200);
    } finally {
      edge.reachable = true;
    }
  });

  it("rejects a token it has not checked yet", async () => {
    edge.tokens.set("cca_new_while_down", "control");
    edge.reachable = false;
    try {
      const response = await fetch(`${base}/system_stats`, { headers: { authorization: "Bearer cca_new_while_down" } });
      expect(response.status).toBe(401);
      expect(await response.text()).toContain("cannot be reached");
    } finally {
      edge.reachable = true;
    }
  });
});
