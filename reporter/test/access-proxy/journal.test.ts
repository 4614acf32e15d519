import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { ACCESS_TICKET_TTL_MS } from "@comfycarry/shared";
import type { JournaledPrompt, Service } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startReporter } from "../../src/app.js";
import type { RunningReporter } from "../../src/app.js";
import { createRootLogger } from "../../src/log/logger.js";
import { command } from "../comfyui-control/helpers/reporter.js";
import { FakeEdge, waitFor } from "../helpers/fake-edge.js";
import { Simulator } from "../helpers/simulator.js";
import { cookieOf, signTicket } from "./harness.js";

// The whole reporter: a prompt queued through the access proxy lands in the prompt journal,
// as one queued from the dashboard does. The access key is stored beforehand, because the
// fake edge serves only the reporter socket.

const log = createRootLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });
const key = randomBytes(32);

let dir: string;
let simulator: Simulator;
let edge: FakeEdge;
let reporter: RunningReporter;

const comfy: Service = { name: "comfy", pm_id: 0, status: "online", pid: 1, started_at: null, uptime_s: null, restarts: 0, cpu_percent: 0, memory_bytes: 0 };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cc-access-journal-"));
  mkdirSync(join(dir, "state"), { recursive: true });
  writeFileSync(join(dir, "state", "access-key"), key.toString("base64url"), { mode: 0o600 });
  simulator = await Simulator.start({ baseDir: join(dir, "comfyui"), stepMs: 5 });
  edge = await FakeEdge.start();
  const unused = () => Promise.reject(new Error("not used in this test"));
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
      services: { list: () => Promise.resolve([comfy]), start: unused, stop: unused, restart: unused },
    },
    log,
    (error) => {
      throw new Error(`unexpected refusal ${error.code}`);
    },
  );
  await waitFor("the reporter to reach the fake edge", () => reporter.link.connected);
});

afterAll(async () => {
  await reporter.stop();
  await edge.close();
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
      inputs: { seed: 7, steps: 2, cfg: 7, sampler_name: "euler", scheduler: "normal", denoise: 1, model: ["4", 0], positive: ["6", 0], negative: ["7", 0], latent_image: ["5", 0] },
    },
    "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
    "9": { class_type: "SaveImage", inputs: { filename_prefix: "journal", images: ["8", 0] } },
  };
}

async function journal(): Promise<JournaledPrompt[]> {
  const result = (await command(edge, "comfyui.prompts.journal")) as { prompts: JournaledPrompt[] };
  return result.prompts;
}

describe("prompt through the access proxy", () => {
  it("is journaled", async () => {
    const base = `http://127.0.0.1:${reporter.access.port}`;
    const ticket = signTicket(key, { instanceId: "gpu-1", expiresAtMs: Date.now() + ACCESS_TICKET_TTL_MS });
    const cookie = cookieOf(await fetch(`${base}/__cc/login?ticket=${ticket}`, { redirect: "manual" })) ?? "";
    const queued = await fetch(`${base}/prompt`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body: JSON.stringify({ prompt: graph() }) });
    const { prompt_id: promptId } = (await queued.json()) as { prompt_id: string };

    // The journal learns of the prompt from ComfyUI's queue, so it is polled for a few seconds.
    let entry: JournaledPrompt | undefined;
    const deadline = Date.now() + 40_000;
    while (entry === undefined && Date.now() < deadline) {
      entry = (await journal()).find((prompt) => prompt.prompt_id === promptId);
      if (entry === undefined) {
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
    expect(entry?.node_count).toBe(7);
  }, 60_000);
});
