import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sharp from "sharp";

import type { GalleryFeature } from "../../src/gallery/feature.js";
import { findFfmpeg } from "../../src/gallery/feature.js";
import { Simulator } from "../helpers/simulator.js";
import { makeGalleryDirs, startTestGallery } from "./helpers.js";
import type { GalleryDirs } from "./helpers.js";

// A PNG written by the ComfyUI simulator carries the `prompt` and `workflow` text chunks
// ComfyUI writes; the gallery's generation data must match what was queued.

const run = promisify(execFile);

const WORKFLOW = { last_node_id: 9, nodes: [{ id: 3, type: "KSampler", widgets_values: [424242, "fixed", 8, 7.5, "dpmpp_2m", "karras", 1] }], links: [], version: 0.4 };

const GRAPH = {
  "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "v1-5-pruned-emaonly.safetensors" } },
  "6": { class_type: "CLIPTextEncode", inputs: { text: "a cat on a red sofa, 雪", clip: ["4", 1] } },
  "7": { class_type: "CLIPTextEncode", inputs: { text: "blurry, low quality", clip: ["4", 1] } },
  "5": { class_type: "EmptyLatentImage", inputs: { width: 64, height: 64, batch_size: 1 } },
  "3": {
    class_type: "KSampler",
    inputs: { seed: 424242, steps: 8, cfg: 7.5, sampler_name: "dpmpp_2m", scheduler: "karras", denoise: 1, model: ["4", 0], positive: ["6", 0], negative: ["7", 0], latent_image: ["5", 0] },
  },
  "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
  "9": { class_type: "SaveImage", inputs: { filename_prefix: "gallery/cc", images: ["8", 0] } },
};

let dirs: GalleryDirs;
let simulator: Simulator;
let feature: GalleryFeature;

beforeAll(async () => {
  dirs = await makeGalleryDirs();
  simulator = await Simulator.start({ baseDir: dirs.comfyui, stepMs: 5 });
  feature = await startTestGallery(dirs);
});

afterAll(async () => {
  await simulator.kill();
  await dirs.cleanup();
});

/** Polls the gallery until the simulator's image shows up and returns its path. */
async function savedImage(): Promise<string> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    feature.gallery.invalidate("output");
    const page = await feature.gallery.list({ root: "output", kind: "image" });
    const first = page.items[0];
    if (first !== undefined) {
      return first.path;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the simulator saved no image within 15 s; its output: ${simulator.output.slice(-1000)}`);
}

describe("generation data", () => {
  it("matches the queued prompt", async () => {
    const response = await fetch(`${simulator.url}/prompt`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: GRAPH, client_id: "gallery-test", extra_data: { extra_pnginfo: { workflow: WORKFLOW } } }),
    });
    expect(response.status).toBe(200);

    const path = await savedImage();
    const metadata = await feature.gallery.metadata({ root: "output", path });

    expect(metadata.width).toBe(64);
    expect(metadata.generation).toEqual({
      positive: "a cat on a red sofa, 雪",
      negative: "blurry, low quality",
      seed: 424242,
      steps: 8,
      cfg: 7.5,
      sampler: "dpmpp_2m",
      scheduler: "karras",
      models: ["v1-5-pruned-emaonly.safetensors"],
    });
    expect(JSON.parse(metadata.prompt_json ?? "null")).toEqual(GRAPH);
    expect(JSON.parse(metadata.workflow_json ?? "null")).toEqual(WORKFLOW);
    expect(metadata.embedded_truncated).toBe(false);
  });
});

describe("video poster frames", () => {
  it("makes a WebP from the first frame", async () => {
    const ffmpeg = await findFfmpeg();
    expect(ffmpeg, "ffmpeg must be installed (tools/system-deps.mjs)").not.toBeNull();
    const video = join(dirs.output, "clip.mp4");
    await run(ffmpeg ?? "ffmpeg", ["-v", "error", "-f", "lavfi", "-i", "color=c=red:s=320x180:d=1", "-pix_fmt", "yuv420p", video]);

    const result = await feature.gallery.thumbnail({ root: "output", path: "clip.mp4" });
    const info = await sharp(Buffer.from(result.data_base64 ?? "", "base64")).metadata();
    expect(info.format).toBe("webp");
    expect(info.width).toBe(256);
    expect(info.height).toBe(144);
  });
});
