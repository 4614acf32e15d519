import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { FakeHuggingFace, SyntheticFile } from "@comfycarry/fake-model-hosts";
import { commandSchemas } from "@comfycarry/shared";
import type { CommandResultData } from "@comfycarry/shared";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { DownloadEngine } from "../../src/downloads/engine.js";
import { WorkflowsFeature } from "../../src/workflows/feature.js";
import { createHarness } from "../comfyui-control/helpers/harness.js";
import type { Harness } from "../comfyui-control/helpers/harness.js";
import { FIXTURE_HOST, createPack, objectInfoClasses, routeFixtureHost } from "../comfyui-control/helpers/packs.js";
import { openEngine, waitForStatus } from "../downloads/helpers.js";
import { waitFor } from "../helpers/fake-edge.js";

// One action installs what a workflow is missing: two checkpoints from a Hugging Face fake and
// one node pack from a local git repository. The download queue checks the host's hash and the
// feature checks the workflow's own SHA-256. Then ComfyUI restarts under PM2 and the workflow runs.

const base = new SyntheticFile({ size: 1024 * 1024 + 3, seed: "install-base", format: "safetensors" });
const clip = new SyntheticFile({ size: 1024 * 1024 + 5, seed: "install-clip", format: "safetensors" });
const hf = new FakeHuggingFace({
  repos: [
    {
      id: "acme/sim-models",
      sha: "4a0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3",
      files: [
        { path: "sim-base.safetensors", file: base, lfs: true },
        { path: "sim-clip.safetensors", file: clip, lfs: true },
      ],
    },
  ],
  tokens: [],
});

const PACK = "sim-caption-pack";
const PACK_CLASS = "SimCaption";

let harness: Harness;
let engine: DownloadEngine;
let feature: WorkflowsFeature;

/** Builds the workflow as ComfyUI's frontend saves it: widget lists, links, and download hints with hashes. */
async function uiWorkflow(): Promise<object> {
  const hint = async (file: SyntheticFile, name: string): Promise<object> => ({ name, url: `${hf.origin}/acme/sim-models/resolve/main/${name}`, hash: await file.sha256(), hash_type: "SHA256", directory: "checkpoints" });
  return {
    nodes: [
      { id: 1, type: "CheckpointLoaderSimple", mode: 0, properties: { models: [await hint(base, "sim-base.safetensors")] }, widgets_values: ["sim-base.safetensors"] },
      { id: 2, type: "CheckpointLoaderSimple", mode: 0, properties: { models: [await hint(clip, "sim-clip.safetensors")] }, widgets_values: ["sim-clip.safetensors"] },
      { id: 3, type: "CLIPTextEncode", mode: 0, inputs: [{ name: "clip", link: 2 }], widgets_values: ["a lighthouse"] },
      { id: 4, type: "CLIPTextEncode", mode: 0, inputs: [{ name: "clip", link: 3 }], widgets_values: [""] },
      { id: 5, type: "EmptyLatentImage", mode: 0, widgets_values: [64, 64, 1] },
      { id: 6, type: "KSampler", mode: 0, widgets_values: [1, "fixed", 2, 7, "euler", "normal", 1] },
      { id: 7, type: "VAEDecode", mode: 0 },
      { id: 8, type: "SaveImage", mode: 0, widgets_values: ["installed"] },
      { id: 9, type: PACK_CLASS, mode: 0, widgets_values: ["caption from the new pack"] },
    ],
    links: [
      [2, 2, 1, 3, 0, "CLIP"],
      [3, 2, 1, 4, 0, "CLIP"],
    ],
  };
}

/** The same graph in API format, as the frontend queues it. */
const apiPrompt = {
  "1": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "sim-base.safetensors" } },
  "2": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "sim-clip.safetensors" } },
  "3": { class_type: "CLIPTextEncode", inputs: { text: "a lighthouse", clip: ["2", 1] } },
  "4": { class_type: "CLIPTextEncode", inputs: { text: "", clip: ["2", 1] } },
  "5": { class_type: "EmptyLatentImage", inputs: { width: 64, height: 64, batch_size: 1 } },
  "6": { class_type: "KSampler", inputs: { seed: 1, steps: 2, cfg: 7, sampler_name: "euler", scheduler: "normal", denoise: 1, model: ["1", 0], positive: ["3", 0], negative: ["4", 0], latent_image: ["5", 0] } },
  "7": { class_type: "VAEDecode", inputs: { samples: ["6", 0], vae: ["1", 2] } },
  "8": { class_type: "SaveImage", inputs: { filename_prefix: "installed", images: ["7", 0] } },
  "9": { class_type: PACK_CLASS, inputs: { text: "caption from the new pack" } },
};

async function sha256(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

beforeAll(async () => {
  await hf.start();
  harness = await createHarness({
    prepare: async (root) => {
      routeFixtureHost(root);
      await createPack(root, PACK, [{ tag: "v1.0.0", classes: [PACK_CLASS] }]);
      await writeFile(join(root, "node-map.json"), JSON.stringify({ [`${FIXTURE_HOST}owner/${PACK}`]: [[PACK_CLASS], { title_aux: "Sim caption" }] }));
    },
  });
  await harness.call("comfyui.start", {});
  engine = await openEngine({ hf, models: join(harness.comfyuiDir, "models"), state: join(harness.root, "downloads") });
  feature = await WorkflowsFeature.start({
    comfyuiDir: harness.comfyuiDir,
    comfyuiUrl: harness.url,
    stateDir: join(harness.root, "state"),
    nodeMapFile: join(harness.root, "node-map.json"),
    control: harness.control,
    engine,
    modelsRemote: () => Promise.resolve(null),
    emit: () => undefined,
    log: pino({ level: "silent" }),
  });
  await feature.service.files.write("needs-install.json", JSON.stringify(await uiWorkflow()), false);
}, 120_000);

afterAll(async () => {
  feature.stop();
  await engine.close();
  await harness.close();
  await hf.close();
});

describe("install missing", () => {
  let before: CommandResultData<"workflows.list">["workflows"][number] | undefined;
  let result: CommandResultData<"workflows.install_missing">;

  beforeAll(async () => {
    before = (await feature.handlers["workflows.list"]({}, { signal: AbortSignal.timeout(30_000), log: pino({ level: "silent" }) })).workflows[0];
    const args = commandSchemas["workflows.install_missing"].args.parse({ path: "needs-install.json" });
    result = await feature.handlers["workflows.install_missing"](args, { signal: AbortSignal.timeout(120_000), log: pino({ level: "silent" }) });
    for (const id of result.download_ids) {
      await waitForStatus(engine, id, ["completed", "failed"], 60_000);
    }
  }, 180_000);

  it("sees two missing models and one missing pack", () => {
    expect(before?.models.filter((model) => !model.present).map((model) => model.name)).toEqual(["sim-base.safetensors", "sim-clip.safetensors"]);
    expect(before?.custom_nodes.filter((pack) => !pack.present).map((pack) => pack.repository)).toEqual([`${FIXTURE_HOST}owner/${PACK}`]);
  });

  it("queues both models", () => {
    expect(result.download_ids).toHaveLength(2);
  });

  it("puts both models in place with their hashes", async () => {
    const dir = join(harness.comfyuiDir, "models", "checkpoints");
    expect(await sha256(join(dir, "sim-base.safetensors"))).toBe(await base.sha256());
    expect(await sha256(join(dir, "sim-clip.safetensors"))).toBe(await clip.sha256());
  });

  it("installs the pack and restarts ComfyUI", async () => {
    expect(result.installed_packs).toEqual([PACK]);
    expect(result.restarted).toBe(true);
    expect(await objectInfoClasses(harness.url)).toContain(PACK_CLASS);
  });

  it("leaves nothing unresolved", () => {
    expect([...result.unresolved_models, ...result.failed_packs, ...result.unknown_classes]).toEqual([]);
  });

  it("shows the workflow ready afterwards", async () => {
    const after = (await feature.handlers["workflows.list"]({}, { signal: AbortSignal.timeout(30_000), log: pino({ level: "silent" }) })).workflows[0];
    expect([...(after?.models ?? []), ...(after?.custom_nodes ?? [])].every((row) => row.present)).toBe(true);
  });

  it("runs the workflow on ComfyUI", async () => {
    const response = await fetch(`${harness.url}/prompt`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: apiPrompt }) });
    expect(response.status).toBe(200);
    const { prompt_id: promptId } = (await response.json()) as { prompt_id: string };
    let status: string | null = null;
    const poll = setInterval(() => {
      void fetch(`${harness.url}/history/${promptId}`)
        .then((reply) => reply.json() as Promise<Record<string, { status?: { status_str?: string } }>>)
        .then((history) => (status = history[promptId]?.status?.status_str ?? null));
    }, 100);
    try {
      await waitFor(`prompt ${promptId} to finish`, () => status !== null, 30_000);
    } finally {
      clearInterval(poll);
    }
    expect(status).toBe("success");
  });
});
