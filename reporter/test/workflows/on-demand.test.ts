import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import type { ProtocolEvent } from "@comfycarry/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { WorkflowsFeature } from "../../src/workflows/feature.js";
import type { WorkflowsFeatureOptions } from "../../src/workflows/feature.js";
import { PromptGate } from "../../src/workflows/on-demand/gate.js";
import { firstOf, remotePuller, sourcePuller } from "../../src/workflows/on-demand/pullers.js";
import type { WorkflowsService } from "../../src/workflows/service.js";
import { waitFor } from "../helpers/fake-edge.js";
import { Simulator } from "../helpers/simulator.js";
import { openService, silentLog, tempComfyui } from "./helpers.js";
import type { TempComfyui } from "./helpers.js";

/** The simulator writes this checkpoint itself, so a prompt using it needs nothing pulled. */
const PRESENT_CHECKPOINT = "v1-5-pruned-emaonly.safetensors";
const REMOTE_CHECKPOINT = "sdxl/remote-only.safetensors";

function prompt(checkpoint: string, seed: number): Record<string, unknown> {
  return {
    prompt: {
      "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: checkpoint } },
      "6": { class_type: "CLIPTextEncode", inputs: { text: "a lighthouse", clip: ["4", 1] } },
      "7": { class_type: "CLIPTextEncode", inputs: { text: "", clip: ["4", 1] } },
      "5": { class_type: "EmptyLatentImage", inputs: { width: 64, height: 64, batch_size: 1 } },
      "3": {
        class_type: "KSampler",
        inputs: { seed, steps: 2, cfg: 7, sampler_name: "euler", scheduler: "normal", denoise: 1, model: ["4", 0], positive: ["6", 0], negative: ["7", 0], latent_image: ["5", 0] },
      },
      "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
      "9": { class_type: "SaveImage", inputs: { filename_prefix: "on-demand", images: ["8", 0] } },
    },
    client_id: "on-demand-test",
  };
}

let layout: TempComfyui;
let simulator: Simulator;
let service: WorkflowsService;
let gate: PromptGate;
const events: ProtocolEvent[] = [];

async function historyStatus(promptId: string): Promise<string | null> {
  const response = await fetch(`${simulator.url}/history/${promptId}`);
  const body = (await response.json()) as Record<string, { status?: { status_str?: string } }>;
  return body[promptId]?.status?.status_str ?? null;
}

async function waitForHistory(promptId: string): Promise<string> {
  let status: string | null = null;
  const poll = setInterval(() => void historyStatus(promptId).then((value) => (status = value)), 100);
  try {
    await waitFor(`prompt ${promptId} in ComfyUI's history`, () => status !== null, 30_000);
  } finally {
    clearInterval(poll);
  }
  return status ?? "";
}

function waitEvents(promptId: string): Array<{ state: string; reason: string | null }> {
  return events.flatMap((event) => (event.kind === "workflows.prompt.wait" && event.prompt_id === promptId ? [{ state: event.state, reason: event.reason }] : []));
}

beforeAll(async () => {
  layout = await tempComfyui();
  const remoteRoot = join(layout.root, "remote");
  await mkdir(join(remoteRoot, "comfycarry/models/checkpoints/sdxl"), { recursive: true });
  await writeFile(join(remoteRoot, "comfycarry/models/checkpoints", REMOTE_CHECKPOINT), Buffer.alloc(2 * 1024 * 1024, 7));
  const configPath = join(layout.root, "rclone.conf");
  await writeFile(configPath, `[disk]\ntype = alias\nremote = ${remoteRoot}\n`);

  simulator = await Simulator.start({ baseDir: layout.comfyuiDir, stepMs: 5 });
  service = await openService(layout, [], simulator.url);
  const remote = { environment: { binary: "rclone", configPath }, remote: "disk", remotePath: "comfycarry/models" };
  gate = new PromptGate({
    service,
    comfyuiUrl: simulator.url,
    pull: firstOf([remotePuller(layout.modelsDir, () => Promise.resolve(remote), silentLog), sourcePuller(null)]),
    emit: (event) => events.push(event),
    log: silentLog,
  });
}, 60_000);

afterAll(async () => {
  gate.stop();
  await simulator.kill();
  await layout.close();
});

describe("on-demand prompt gate", () => {
  it("finds ComfyUI online before any model is pulled", async () => {
    expect((await fetch(`${simulator.url}/system_stats`)).ok).toBe(true);
    expect(existsSync(join(layout.modelsDir, "checkpoints", REMOTE_CHECKPOINT))).toBe(false);
  });

  it("answers at once, pulls, then runs under that id", async () => {
    const outcome = await gate.gatePrompt(prompt(REMOTE_CHECKPOINT, 1));
    if (outcome.kind !== "held") {
      throw new Error(`expected the prompt to be held, got ${outcome.kind}`);
    }
    expect(existsSync(join(layout.modelsDir, "checkpoints", REMOTE_CHECKPOINT))).toBe(false);
    expect(outcome.models).toEqual([`checkpoints/${REMOTE_CHECKPOINT}`]);

    await outcome.done;
    expect(waitEvents(outcome.promptId).at(-1)?.reason ?? null).toBeNull();
    expect(existsSync(join(layout.modelsDir, "checkpoints", REMOTE_CHECKPOINT))).toBe(true);
    expect(await waitForHistory(outcome.promptId)).toBe("success");
    expect(waitEvents(outcome.promptId).map((event) => event.state)).toEqual(["waiting", "submitted"]);
  });

  it("passes a prompt whose models are present", async () => {
    expect((await gate.gatePrompt(prompt(PRESENT_CHECKPOINT, 2))).kind).toBe("pass");
  });

  it("keeps a prompt id the client chose", async () => {
    const body = { ...prompt("sdxl/also-missing.safetensors", 3), prompt_id: "client-chosen-id" };
    const outcome = await gate.gatePrompt(body);
    expect(outcome.kind === "held" ? outcome.promptId : null).toBe("client-chosen-id");
    if (outcome.kind === "held") {
      await outcome.done;
    }
  });

  it("fails the prompt when no copy exists", async () => {
    const outcome = await gate.gatePrompt(prompt("sdxl/nowhere.safetensors", 4));
    if (outcome.kind !== "held") {
      throw new Error(`expected the prompt to be held, got ${outcome.kind}`);
    }
    await outcome.done;

    const [waiting, failed] = waitEvents(outcome.promptId);
    expect(waiting?.state).toBe("waiting");
    expect(failed?.state).toBe("failed");
    expect(failed?.reason).toMatch(/not on the remote disk:comfycarry\/models/);
    expect(await historyStatus(outcome.promptId)).toBeNull();
  });

  it("passes a model only ComfyUI's extra paths hold", async () => {
    // ComfyUI also searches output/checkpoints, which the disk check does not look at.
    await mkdir(join(layout.comfyuiDir, "output", "checkpoints"), { recursive: true });
    await writeFile(join(layout.comfyuiDir, "output", "checkpoints", "from-output.safetensors"), "weights\n");
    expect((await gate.gatePrompt(prompt("from-output.safetensors", 8))).kind).toBe("pass");
  });

  it("leaves a never folder to ComfyUI", async () => {
    await service.policies.set("checkpoints", "never");
    try {
      expect((await gate.gatePrompt(prompt("sdxl/nowhere.safetensors", 5))).kind).toBe("pass");
    } finally {
      await service.policies.set("checkpoints", "on_demand");
    }
  });
});

describe("prompt submit command", () => {
  let feature: WorkflowsFeature;
  const context = { signal: AbortSignal.timeout(30_000), log: silentLog };

  beforeAll(async () => {
    // Only the installed-pack list of ComfyUI control is used by the submit path.
    const control = { nodes: { packs: { list: () => Promise.resolve([]) } } } as unknown as WorkflowsFeatureOptions["control"];
    feature = await WorkflowsFeature.start({
      comfyuiDir: layout.comfyuiDir,
      comfyuiUrl: simulator.url,
      stateDir: join(layout.root, "submit-state"),
      nodeMapFile: null,
      control,
      engine: null,
      modelsRemote: () => Promise.resolve(null),
      emit: (event) => events.push(event),
      log: silentLog,
    });
  });

  afterAll(() => {
    feature.stop();
  });

  it("queues a prompt with nothing missing directly", async () => {
    const { prompt: graph } = prompt(PRESENT_CHECKPOINT, 6) as { prompt: Record<string, { class_type: string }> };
    const result = await feature.handlers["workflows.prompt.submit"]({ prompt: graph }, context);
    expect(result.held).toBe(false);
    expect(await waitForHistory(result.prompt_id)).toBe("success");
  });

  it("holds a prompt with a missing model", async () => {
    const { prompt: graph } = prompt("sdxl/unknown-elsewhere.safetensors", 7) as { prompt: Record<string, { class_type: string }> };
    const result = await feature.handlers["workflows.prompt.submit"]({ prompt: graph }, context);
    expect(result).toMatchObject({ held: true, models: ["checkpoints/sdxl/unknown-elsewhere.safetensors"] });
  });
});

