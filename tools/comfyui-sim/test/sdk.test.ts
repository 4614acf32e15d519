/**
 * Drives a prompt through the simulator with a third-party client, @saintno/comfyui-sdk, which
 * speaks ComfyUI's HTTP and WebSocket API on its own terms: it must see progress and the image.
 */
import { CallWrapper, ComfyApi, PromptBuilder } from "@saintno/comfyui-sdk";
import { afterAll, beforeAll, expect, test } from "vitest";

import { startTarget, type Target } from "./helpers/sim.js";
import { firstCheckpoint, txt2img } from "./helpers/workflow.js";

let target: Target;
let api: ComfyApi;

beforeAll(async () => {
  target = await startTarget();
  api = new ComfyApi(target.url, "sdk-client");
  await api.init().waitForReady();
});

afterAll(async () => {
  api.destroy();
  await target.stop();
});

test("sdk runs txt2img and sees progress and the image", async () => {
  const ckpt = await firstCheckpoint(target.url);
  // The SDK's node type wants the `_meta.title` the browser frontend adds to API prompts.
  const prompt = Object.fromEntries(Object.entries(txt2img({ ckpt })).map(([id, node]) => [id, { ...node, _meta: { title: node.class_type } }]));
  const workflow = new PromptBuilder(prompt, ["checkpoint", "seed", "steps", "positive"], ["images"])
    .setInputNode("checkpoint", "4.inputs.ckpt_name")
    .setInputNode("seed", "3.inputs.seed")
    .setInputNode("steps", "3.inputs.steps")
    .setInputNode("positive", "6.inputs.text")
    .setOutputNode("images", "9")
    .input("checkpoint", ckpt)
    .input("seed", Math.floor(Math.random() * 1_000_000))
    .input("steps", 4)
    .input("positive", "a lighthouse at dusk");

  const progress: Array<{ value: number; max: number }> = [];
  const result = await new CallWrapper(api, workflow)
    .onProgress((info) => {
      progress.push({ value: info.value, max: info.max });
    })
    .run();

  expect(result).toBeTruthy();
  const images = (result as { images?: { images: Array<{ filename: string; subfolder: string; type: string }> } }).images?.images ?? [];
  expect(progress.at(-1)).toEqual({ value: 4, max: 4 });
  expect(images).toHaveLength(1);

  const response = await fetch(api.getPathImage(images[0] as Parameters<ComfyApi["getPathImage"]>[0]));
  const bytes = Buffer.from(await response.arrayBuffer());
  expect(response.status).toBe(200);
  expect(bytes.subarray(1, 4).toString("ascii")).toBe("PNG");
});
