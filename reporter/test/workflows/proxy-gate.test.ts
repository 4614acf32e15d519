import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import type { JournaledPrompt, ProtocolEvent } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startAccessProxy } from "../../src/access-proxy/feature.js";
import type { RunningAccessProxy } from "../../src/access-proxy/feature.js";
import { ProxyRoutes } from "../../src/access-proxy/routes.js";
import { PromptJournal } from "../../src/comfyui-control/prompts/journal.js";
import { QUEUED_PROMPT_SOURCE, parseQueuedPrompt } from "../../src/comfyui/queued-prompt.js";
import { ComfyuiProxy } from "../../src/comfyui/proxy/server.js";
import { PromptGate } from "../../src/workflows/on-demand/gate.js";
import { firstOf, remotePuller, sourcePuller } from "../../src/workflows/on-demand/pullers.js";
import { FakeAccessEdge, FakeClock, INSTANCE_ID, cookieOf, freshTicket } from "../access-proxy/harness.js";
import { waitFor } from "../helpers/fake-edge.js";
import { Simulator } from "../helpers/simulator.js";
import { openService, silentLog, tempComfyui } from "./helpers.js";
import type { TempComfyui } from "./helpers.js";

// Prompts queued through the access proxy and the observing proxy go through the on-demand
// gate: a prompt with a missing model gets its id at once, the model comes from a local rclone
// remote, and the simulator then runs the prompt under that id.

/** The simulator writes this checkpoint itself, so a prompt using it needs nothing pulled. */
const PRESENT_CHECKPOINT = "v1-5-pruned-emaonly.safetensors";
const TOKEN = "cca_gate_control";

function prompt(checkpoint: string, seed: number, steps = 2): Record<string, unknown> {
  return {
    prompt: {
      "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: checkpoint } },
      "6": { class_type: "CLIPTextEncode", inputs: { text: "a harbour at dusk", clip: ["4", 1] } },
      "7": { class_type: "CLIPTextEncode", inputs: { text: "", clip: ["4", 1] } },
      "5": { class_type: "EmptyLatentImage", inputs: { width: 64, height: 64, batch_size: 1 } },
      "3": {
        class_type: "KSampler",
        inputs: { seed, steps, cfg: 7, sampler_name: "euler", scheduler: "normal", denoise: 1, model: ["4", 0], positive: ["6", 0], negative: ["7", 0], latent_image: ["5", 0] },
      },
      "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
      "9": { class_type: "SaveImage", inputs: { filename_prefix: "proxy-gate", images: ["8", 0] } },
    },
    client_id: "proxy-gate-test",
  };
}

let layout: TempComfyui;
let simulator: Simulator;
let gate: PromptGate;
let access: RunningAccessProxy;
let observing: ComfyuiProxy;
const edge = new FakeAccessEdge();
const clock = new FakeClock();
const events: ProtocolEvent[] = [];
const observed: Array<{ text: string; source: string }> = [];
const observe = (text: string, source: string): void => void observed.push({ text, source });

function waitStates(promptId: string): string[] {
  return events.flatMap((event) => (event.kind === "workflows.prompt.wait" && event.prompt_id === promptId ? [event.state] : []));
}

/** Prompt ids the proxies reported to the bridge as queued. */
function reportedIds(): string[] {
  return observed.flatMap(({ text, source }) => {
    const queued = source === QUEUED_PROMPT_SOURCE ? parseQueuedPrompt((JSON.parse(text) as { data: unknown }).data) : null;
    return queued === null ? [] : [queued.promptId];
  });
}

async function historyStatus(promptId: string): Promise<string | null> {
  const response = await fetch(`${simulator.url}/history/${promptId}`);
  const body = (await response.json()) as Record<string, { status?: { status_str?: string } }>;
  return body[promptId]?.status?.status_str ?? null;
}

async function waitForHistory(promptId: string): Promise<string> {
  let status: string | null = null;
  const poll = setInterval(() => void historyStatus(promptId).then((value) => (status = value)), 100);
  try {
    await waitFor(`prompt ${promptId} in ComfyUI's history`, () => status !== null, 60_000);
  } finally {
    clearInterval(poll);
  }
  return status ?? "";
}

/** Posts a prompt to a proxy and returns the status and the prompt id of the response. */
async function post(port: number, body: unknown, headers: Record<string, string> = {}, path = "/prompt"): Promise<{ status: number; promptId: string | null }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  const text = await response.text();
  const parsed = response.status === 200 ? (JSON.parse(text) as { prompt_id?: string }) : {};
  return { status: response.status, promptId: parsed.prompt_id ?? null };
}

function modelPath(name: string): string {
  return join(layout.modelsDir, "checkpoints", name);
}

beforeAll(async () => {
  layout = await tempComfyui();
  const remoteRoot = join(layout.root, "remote");
  await mkdir(join(remoteRoot, "comfycarry/models/checkpoints/remote"), { recursive: true });
  for (const name of ["session.safetensors", "access.safetensors", "observing.safetensors", "journaled.safetensors", "api-path.safetensors"]) {
    await writeFile(join(remoteRoot, "comfycarry/models/checkpoints/remote", name), Buffer.alloc(1024 * 1024, 3));
  }
  const configPath = join(layout.root, "rclone.conf");
  await writeFile(configPath, `[disk]\ntype = alias\nremote = ${remoteRoot}\n`);

  simulator = await Simulator.start({ baseDir: layout.comfyuiDir, stepMs: 5 });
  const service = await openService(layout, [], simulator.url);
  const remote = { environment: { binary: "rclone", configPath }, remote: "disk", remotePath: "comfycarry/models" };
  gate = new PromptGate({
    service,
    comfyuiUrl: simulator.url,
    pull: firstOf([remotePuller(layout.modelsDir, () => Promise.resolve(remote), silentLog), sourcePuller(null)]),
    emit: (event) => events.push(event),
    log: silentLog,
  });
  const gatePrompt = (body: unknown) => gate.gatePrompt(body);

  edge.tokens.set(TOKEN, "control");
  access = await startAccessProxy({
    instanceId: INSTANCE_ID,
    edgeUrl: "http://edge.invalid",
    token: "cct_unused",
    stateDir: layout.stateDir,
    comfyuiUrl: simulator.url,
    port: 0,
    log: silentLog,
    observe,
    now: clock.now,
    edge,
    routes: new ProxyRoutes(),
    gate: gatePrompt,
  });
  observing = new ComfyuiProxy({ target: simulator.url, port: 0, log: silentLog, observe, gate: gatePrompt });
  await observing.listen();
}, 60_000);

afterAll(async () => {
  gate.stop();
  await access.stop();
  await observing.close();
  await simulator.kill();
  await layout.close();
});

describe("prompt gate in the access proxy", () => {
  const bearer = { authorization: `Bearer ${TOKEN}` };

  it("rejects an anonymous prompt before the gate", async () => {
    const { status } = await post(access.port, prompt("remote/access.safetensors", 1));
    expect(status).toBe(401);
    expect(events).toEqual([]);
  });

  it("holds, pulls, then runs under its id", async () => {
    const { status, promptId } = await post(access.port, prompt("remote/access.safetensors", 2), bearer);
    expect(status).toBe(200);
    expect(promptId).not.toBeNull();
    const id = promptId ?? "";
    expect(waitStates(id)).toEqual(["waiting"]);

    expect(await waitForHistory(id)).toBe("success");
    expect(existsSync(modelPath("remote/access.safetensors"))).toBe(true);
    expect(waitStates(id)).toEqual(["waiting", "submitted"]);
  }, 90_000);

  it("holds a prompt sent with a session", async () => {
    const login = await fetch(`http://127.0.0.1:${access.port}/__cc/login?ticket=${freshTicket(edge, clock)}`, { redirect: "manual" });
    const cookie = cookieOf(login) ?? "";
    const { status, promptId } = await post(access.port, prompt("remote/session.safetensors", 10), { cookie });
    expect(status).toBe(200);
    const id = promptId ?? "";
    expect(waitStates(id)).toEqual(["waiting"]);
    expect(await waitForHistory(id)).toBe("success");
  }, 90_000);

  it("reports the held graph to the bridge", async () => {
    const { promptId } = await post(access.port, prompt("remote/api-path.safetensors", 3), bearer, "/api/prompt");
    expect(reportedIds()).toContain(promptId);
    expect(await waitForHistory(promptId ?? "")).toBe("success");
  }, 90_000);

  it("passes a prompt with nothing missing", async () => {
    const { status, promptId } = await post(access.port, prompt(PRESENT_CHECKPOINT, 4), bearer);
    expect(status).toBe(200);
    const id = promptId ?? "";
    expect(waitStates(id)).toEqual([]);
    expect(await waitForHistory(id)).toBe("success");
    // The prompt tee saw ComfyUI's own response, so the id is the one the simulator assigned.
    await waitFor("the prompt tee to report the prompt", () => reportedIds().includes(id), 10_000);
  }, 90_000);
});

describe("prompt gate in the observing proxy", () => {
  it("holds, pulls, then runs under its id", async () => {
    const { status, promptId } = await post(observing.port, prompt("remote/observing.safetensors", 5));
    expect(status).toBe(200);
    const id = promptId ?? "";
    expect(waitStates(id)).toEqual(["waiting"]);

    expect(await waitForHistory(id)).toBe("success");
    expect(existsSync(modelPath("remote/observing.safetensors"))).toBe(true);
    expect(waitStates(id)).toEqual(["waiting", "submitted"]);
  }, 90_000);

  it("passes a prompt with nothing missing", async () => {
    const { promptId } = await post(observing.port, prompt(PRESENT_CHECKPOINT, 6));
    const id = promptId ?? "";
    expect(waitStates(id)).toEqual([]);
    expect(await waitForHistory(id)).toBe("success");
  }, 90_000);

  it("rejects an oversized prompt body with 413", async () => {
    const body = { ...prompt(PRESENT_CHECKPOINT, 7), extra_data: { padding: "x".repeat(17 * 1024 * 1024) } };
    const { status } = await post(observing.port, body);
    expect(status).toBe(413);
  }, 60_000);
});

describe("held prompt in the journal", () => {
  it("is journaled once queued", async () => {
    const journal = new PromptJournal(join(layout.stateDir, "prompts.sqlite"), simulator.url, silentLog);
    try {
      // A long prompt keeps ComfyUI busy, so the held one is still pending when the journal reads /queue.
      const blocker = await post(observing.port, prompt(PRESENT_CHECKPOINT, 8, 10_000));
      const held = await gate.gatePrompt(prompt("remote/journaled.safetensors", 9));
      if (held.kind !== "held") {
        throw new Error(`expected the prompt to be held, got ${held.kind}`);
      }
      await held.done;
      await journal.sync();

      const listed = await journal.list(50);
      const entry: JournaledPrompt | undefined = listed.prompts.find((item) => item.prompt_id === held.promptId);
      expect(entry?.state).toBe("queued");
      await fetch(`${simulator.url}/interrupt`, { method: "POST", body: JSON.stringify({ prompt_id: blocker.promptId }) });
      expect(await waitForHistory(held.promptId)).toBe("success");
    } finally {
      journal.stop();
    }
  }, 90_000);
});
