import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";

import type { ProtocolEvent, Service } from "@comfycarry/shared";

import { startReporter } from "../../src/app.js";
import { createCommandHandlers } from "../../src/commands/handlers.js";
import type { HandlerContext } from "../../src/commands/executor.js";
import { ComfyuiHttp } from "../../src/comfyui/http.js";
import { parseTqdm } from "../../src/comfyui/tqdm.js";
import type { RunningReporter } from "../../src/app.js";
import { createRootLogger } from "../../src/log/logger.js";
import { FakeEdge, waitFor } from "../helpers/fake-edge.js";
import { Simulator } from "../helpers/simulator.js";

// The whole reporter against the ComfyUI simulator and a fake edge: prompts queued through
// the proxy, past it, interrupted, failing, and cut off by a simulator crash.

const log = createRootLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const STEPS = 8;

let dir: string;
let simulator: Simulator;
let edge: FakeEdge;
let reporter: RunningReporter;

const comfy: Service = { name: "comfy", pm_id: 0, status: "online", pid: 1, started_at: null, uptime_s: null, restarts: 0, cpu_percent: 0, memory_bytes: 0 };

/** Returns a PM2 stand-in that lists ComfyUI as online; its actions are not used here. */
function services() {
  const unused = () => Promise.reject(new Error("not used in this test"));
  return { list: () => Promise.resolve([comfy]), start: unused, stop: unused, restart: unused };
}

function context(): HandlerContext {
  return { signal: AbortSignal.timeout(5_000), log };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cc-bridge-sim-"));
  simulator = await Simulator.start({ baseDir: join(dir, "comfyui"), stepMs: 40 });
  edge = await FakeEdge.start();

  reporter = await startReporter(
    {
      workspaceDir: dir,
      comfyuiDir: join(dir, "comfyui"),
      comfyuiUrl: simulator.url,
      edgeUrl: edge.url.replace("/api/reporter/ws", "").replace("ws:", "http:"),
      instanceId: "gpu-1",
      token: "tok_0123456789abcdef0123",
      stateDir: join(dir, "state"),
      comfyuiService: "comfy",
      comfyuiProxyPort: 0,
      logLevel: "silent",
    },
    {
      system: {
        read: () =>
          Promise.resolve({
            hostname: "box",
            uptime_s: 1,
            cpu: { model: "cpu", cores: 2, usage_percent: 1 },
            memory: { total_bytes: 1, used_bytes: 0 },
            disk: { path: dir, total_bytes: 1, used_bytes: 0, free_bytes: 1 },
          }),
      },
      gpus: { current: () => ({ gpus: [], gpu_error: null }) },
      services: services(),
    },
    log,
    (error) => {
      throw new Error(`unexpected refusal ${error.code}`);
    },
  );
  await waitFor("the reporter to reach the fake edge", () => reporter.link.connected);
  await waitFor("the bridge socket to ComfyUI", () => reporter.bridge.connected);
});

afterAll(async () => {
  await reporter.stop();
  await edge.close();
  await simulator.kill();
  rmSync(dir, { recursive: true, force: true });
});

let nextSeed = 1;

/**
 * Returns a text-to-image prompt. Each call gets a new seed by default, because ComfyUI
 * caches a KSampler whose inputs did not change and then reports no steps. Seed 13013013
 * makes the simulator fail with CUDA out of memory.
 */
function graph(seed = nextSeed++) {
  return {
    "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "v1-5-pruned-emaonly.safetensors" } },
    "6": { class_type: "CLIPTextEncode", inputs: { text: "a cat", clip: ["4", 1] } },
    "7": { class_type: "CLIPTextEncode", inputs: { text: "", clip: ["4", 1] } },
    "5": { class_type: "EmptyLatentImage", inputs: { width: 64, height: 64, batch_size: 1 } },
    "3": {
      class_type: "KSampler",
      inputs: { seed, steps: STEPS, cfg: 7, sampler_name: "euler", scheduler: "normal", denoise: 1, model: ["4", 0], positive: ["6", 0], negative: ["7", 0], latent_image: ["5", 0] },
    },
    "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
    "9": { class_type: "SaveImage", inputs: { filename_prefix: `cc-${randomUUID().slice(0, 8)}`, images: ["8", 0] } },
  };
}

/** Queues a prompt at `baseUrl` under `clientId` and returns its id. */
async function queuePrompt(baseUrl: string, clientId: string, seed?: number): Promise<string> {
  const promptId = randomUUID();
  const response = await fetch(`${baseUrl}/prompt`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: graph(seed), client_id: clientId, prompt_id: promptId }),
  });
  expect(response.status).toBe(200);
  return promptId;
}

/** Queues a prompt without a `prompt_id` of its own, as most API clients do, and returns the id ComfyUI gave it. */
async function queueUnnamedPrompt(baseUrl: string, clientId: string | null): Promise<string> {
  const body = clientId === null ? { prompt: graph() } : { prompt: graph(), client_id: clientId };
  const response = await fetch(`${baseUrl}/prompt`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  const answer = (await response.json()) as { prompt_id: string };
  return answer.prompt_id;
}

/** Returns the node and step events of `promptId` that lack the graph's node count or node class. */
function eventsWithoutGraph(promptId: string): ProtocolEvent[] {
  const classes = new Map(Object.entries(graph(0)).map(([node, { class_type }]) => [node, class_type]));
  return eventsOf(promptId).filter((event) => {
    if (event.kind !== "comfyui.executing" && event.kind !== "comfyui.progress") {
      return false;
    }
    return event.node_count !== classes.size || event.node === null || event.node_class !== classes.get(event.node);
  });
}

/** Returns the node classes named by the step events of `promptId`. */
function stepClasses(promptId: string): (string | null)[] {
  return eventsOf(promptId).flatMap((event) => (event.kind === "comfyui.progress" ? [event.node_class] : []));
}

/** Returns every event the fake edge received for `promptId`. */
function eventsOf(promptId: string): ProtocolEvent[] {
  return edge
    .framesOf("event")
    .map((frame) => frame.event)
    .filter((event) => "prompt_id" in event && event.prompt_id === promptId);
}

const TERMINAL = new Set(["comfyui.execution_success", "comfyui.execution_error", "comfyui.execution_interrupted"]);

async function waitForEnd(promptId: string): Promise<ProtocolEvent> {
  await waitFor(`a terminal event for ${promptId}`, () => eventsOf(promptId).some((event) => TERMINAL.has(event.kind)), 15_000);
  const terminal = eventsOf(promptId).filter((event) => TERMINAL.has(event.kind));
  expect(terminal).toHaveLength(1);
  return terminal[0] as ProtocolEvent;
}

describe("bridge against the simulator", () => {
  it("reports node and step events through the proxy", async () => {
    const proxy = `http://127.0.0.1:${reporter.proxyPort}`;
    const clientId = randomUUID().replaceAll("-", "");
    const browser = new WebSocket(`ws://127.0.0.1:${reporter.proxyPort}/ws?clientId=${clientId}`, { origin: "https://comfy.example.com" });
    await new Promise((resolve, reject) => browser.once("open", resolve).once("error", reject));

    try {
      const promptId = await queuePrompt(proxy, clientId);
      const end = await waitForEnd(promptId);
      const events = eventsOf(promptId);
      const steps = events.filter((event) => event.kind === "comfyui.progress");

      expect(end.kind).toBe("comfyui.execution_success");
      expect(events.filter((event) => event.kind === "comfyui.execution_start")).toHaveLength(1);
      expect(events.some((event) => event.kind === "comfyui.executing" && event.node === "3" && event.node_class === "KSampler")).toBe(true);
      expect(steps.at(-1)).toMatchObject({ node: "3", node_class: "KSampler", value: STEPS, max: STEPS });
      expect(steps.at(-1)?.nodes_done ?? 0).toBeGreaterThan(0);
      expect(events.some((event) => event.kind === "comfyui.executed" && event.node === "9" && event.images.length === 1)).toBe(true);
    } finally {
      browser.close();
    }
  });

  it("follows a prompt queued past the proxy", async () => {
    const promptId = await queuePrompt(simulator.url, "somebody-else");

    const end = await waitForEnd(promptId);
    const events = eventsOf(promptId);

    expect(events[0]?.kind).toBe("comfyui.execution_start");
    expect(events.some((event) => event.kind === "comfyui.progress" && event.value > 0 && event.max === STEPS)).toBe(true);
    // Steps 40 ms apart are coalesced from the log too, as from progress frames.
    expect(events.filter((event) => event.kind === "comfyui.progress").length).toBeLessThan(STEPS);
    expect(end).toMatchObject({ kind: "comfyui.execution_success", nodes_done: 7, node_count: 7 });
  });

  it("ends an interrupted run", async () => {
    const promptId = await queuePrompt(simulator.url, "somebody-else");
    await waitFor("step progress", () => eventsOf(promptId).some((event) => event.kind === "comfyui.progress"), 10_000);

    await fetch(`${simulator.url}/interrupt`, { method: "POST", body: "{}" });
    const end = await waitForEnd(promptId);

    expect(end.kind).toBe("comfyui.execution_interrupted");
  });

  it("ends a failing run with the exception", async () => {
    const promptId = await queuePrompt(simulator.url, "somebody-else", 13013013);

    const end = await waitForEnd(promptId);

    expect(end).toMatchObject({ kind: "comfyui.execution_error", node_class: "KSampler" });
    expect(end.kind === "comfyui.execution_error" ? end.exception_type : "").toMatch(/OutOfMemory/);
  });

  it("clears the pending queue but not the running prompt", async () => {
    const handlers = createCommandHandlers(services(), new ComfyuiHttp(simulator.url));
    const running = await queuePrompt(simulator.url, "somebody-else");
    await queuePrompt(simulator.url, "somebody-else");
    await queuePrompt(simulator.url, "somebody-else");
    await waitFor("the first prompt to start", () => eventsOf(running).length > 0, 10_000);

    const result = await handlers["comfyui.queue.clear"]({}, context());
    await fetch(`${simulator.url}/interrupt`, { method: "POST", body: "{}" });
    await waitForEnd(running);

    expect(result).toEqual({ cleared: 2 });
  });

  it("interrupts only the named prompt", async () => {
    const handlers = createCommandHandlers(services(), new ComfyuiHttp(simulator.url));
    const promptId = await queuePrompt(simulator.url, "somebody-else");
    await waitFor("the prompt to start", () => eventsOf(promptId).length > 0, 10_000);

    const other = await handlers["comfyui.interrupt"]({ prompt_id: "not-running" }, context());
    const named = await handlers["comfyui.interrupt"]({ prompt_id: promptId }, context());
    const end = await waitForEnd(promptId);

    expect(other).toEqual({ interrupted: false });
    expect(named).toEqual({ interrupted: true });
    expect(end.kind).toBe("comfyui.execution_interrupted");
  });

  it("gives proxied node and step events the graph", async () => {
    const clientId = randomUUID().replaceAll("-", "");
    const browser = new WebSocket(`ws://127.0.0.1:${reporter.proxyPort}/ws?clientId=${clientId}`, { origin: "https://comfy.example.com" });
    await new Promise((resolve, reject) => browser.once("open", resolve).once("error", reject));

    try {
      const promptId = await queueUnnamedPrompt(`http://127.0.0.1:${reporter.proxyPort}`, clientId);
      await waitForEnd(promptId);

      expect(eventsOf(promptId).some((event) => event.kind === "comfyui.executing" && event.node === "3")).toBe(true);
      expect(eventsWithoutGraph(promptId)).toEqual([]);
      expect(new Set(stepClasses(promptId))).toEqual(new Set(["KSampler"]));
    } finally {
      browser.close();
    }
  });

  it("gives node and step events of a direct prompt the graph", async () => {
    const promptId = await queueUnnamedPrompt(simulator.url, reporter.bridge.clientId);

    await waitForEnd(promptId);

    expect(eventsOf(promptId).some((event) => event.kind === "comfyui.executing" && event.node === "3")).toBe(true);
    expect(eventsWithoutGraph(promptId)).toEqual([]);
    expect(new Set(stepClasses(promptId))).toEqual(new Set(["KSampler"]));
  });

  it("gives broadcast steps of a direct prompt the graph", async () => {
    const promptId = await queueUnnamedPrompt(simulator.url, null);

    await waitForEnd(promptId);

    // Steps closer together than the bridge's progress interval are coalesced, so count
    // on several steps and on the last one, not on every step.
    const steps = eventsOf(promptId).filter((event) => event.kind === "comfyui.progress");
    expect(steps.length).toBeGreaterThan(1);
    expect(steps.at(-1)).toMatchObject({ value: STEPS, max: STEPS });
    expect(eventsWithoutGraph(promptId)).toEqual([]);
    expect(new Set(stepClasses(promptId))).toEqual(new Set(["KSampler"]));
  });

  it("follows nodes of a broadcast prompt", async () => {
    const promptId = await queueUnnamedPrompt(simulator.url, null);
    let seenDuringSteps: { node: string | null; nodesDone: number } | null = null;
    await waitFor(
      "the sampler's node in the overview",
      () => {
        const current = reporter.bridge.view().current;
        if (current?.prompt_id === promptId && current.progress !== null && current.progress.value >= 3) {
          seenDuringSteps = { node: current.node, nodesDone: current.nodes_done };
        }
        return seenDuringSteps !== null;
      },
      15_000,
    );
    await waitForEnd(promptId);

    // Before the sampler, the checkpoint, both prompts and the empty latent have finished.
    expect(seenDuringSteps).toEqual({ node: "3", nodesDone: 4 });
    expect(eventsOf(promptId).some((event) => event.kind === "comfyui.executing" && event.node === "3" && event.node_class === "KSampler")).toBe(true);
    expect(eventsWithoutGraph(promptId)).toEqual([]);
  });

  it("unsubscribes logs during progress frames", async () => {
    const observe = vi.spyOn(reporter.bridge, "observe");
    try {
      const promptId = await queueUnnamedPrompt(simulator.url, null);
      await waitForEnd(promptId);

      // The bridge subscribes when the prompt starts and leaves after its first progress
      // frame, so only the first steps' tqdm lines may reach it.
      const loggedSteps = observe.mock.calls
        .filter(([, source]) => source === "own")
        .map(([text]) => JSON.parse(text) as { type: string; data: { entries?: { m: string }[] } })
        .filter((frame) => frame.type === "logs")
        .flatMap((frame) => (frame.data.entries ?? []).map((entry) => parseTqdm(entry.m)?.value ?? 0));
      expect(loggedSteps.filter((value) => value >= 3)).toEqual([]);
    } finally {
      observe.mockRestore();
    }
  });

  it("clears progress after a simulator crash", async () => {
    const promptId = await queuePrompt(simulator.url, "somebody-else");
    await waitFor("step progress", () => {
      const current = reporter.bridge.view().current;
      return current?.prompt_id === promptId && (current.progress?.value ?? 0) > 0;
    }, 10_000);

    await simulator.kill();
    await simulator.launch();
    const end = await waitForEnd(promptId);

    expect(end.kind === "comfyui.execution_error" ? end.exception_type : end.kind).toBe("PromptLost");
    expect(reporter.bridge.view().current).toBeNull();
  });

  it("hears status and logs after the simulator restarts", async () => {
    const before = reporter.bridge.clientId;
    await simulator.kill();
    await simulator.launch();
    await waitFor("the bridge socket to reopen", () => reporter.bridge.connected && reporter.bridge.clientId !== before, 15_000);

    // A socket under the old client id that closes now stands for the old connection whose
    // close ComfyUI handles late: ComfyUI then drops that client id, whichever socket uses it.
    const stale = new WebSocket(`${simulator.url.replace("http:", "ws:")}/ws?clientId=${before}`);
    await new Promise((resolve, reject) => stale.once("open", resolve).once("error", reject));
    await new Promise((resolve) => stale.once("close", resolve).close());

    const observe = vi.spyOn(reporter.bridge, "observe");
    const heard = (type: string) =>
      observe.mock.calls
        .filter(([, source]) => source === "own")
        .map(([text]) => JSON.parse(text) as { type: string; data: { sid?: string } })
        // The greeting `status` frame carries the sid; queue changes are broadcast without one.
        .filter((frame) => frame.type === type && frame.data.sid === undefined);
    try {
      await queuePrompt(simulator.url, "somebody-else");
      await waitFor("status and logs frames on the bridge's own socket", () => heard("status").length > 0 && heard("logs").length > 0, 5_000).catch(() => undefined);

      expect(heard("status").length).toBeGreaterThan(0);
      expect(heard("logs").length).toBeGreaterThan(0);
    } finally {
      observe.mockRestore();
    }
  });
});
