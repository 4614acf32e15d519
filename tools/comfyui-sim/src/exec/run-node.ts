/** Simulated node behaviour: timing, progress, written files and output objects. */
import { randomInt } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import type { SimConfig } from "../config.js";
import type { Folders } from "../folders/folders.js";
import { simConsole } from "../log/logger.js";
import type { NodeClass, NodeResult, SimObject } from "../nodes/types.js";
import { pyStr } from "../py/format.js";
import { PyError, dict, isDict, numericValue, type PyDict, type PyValue } from "../py/value.js";
import { pngSize } from "./images.js";
import { saveImages } from "./save-image.js";

/** A resolved input: a widget value, or the object an upstream node produced. */
export type ResolvedInput = PyValue | SimObject;

export interface NodeContext {
  config: SimConfig;
  folders: Folders;
  prompt: PyDict;
  extraData: PyDict;
  nodeId: string;
  nodeClass: NodeClass;
  inputs: Map<string, ResolvedInput>;
  /** Reports sampler step `value` of `max` (0 starts the bar); throws when the prompt was interrupted. */
  step: (value: number, max: number, seed: number) => Promise<void>;
}

/** Marker text that makes a node raise a RuntimeError, which clients see as `execution_error`. */
export const FAIL_MARKER = "sim:fail";

export function isSimObject(value: ResolvedInput | undefined): value is SimObject {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Map) && "kind" in value && "repr" in value;
}

function fakeAddress(): string {
  return `0x7f${randomInt(0x10000000, 0xffffffff).toString(16)}${randomInt(0x1000, 0xffff).toString(16)}`;
}

function object(kind: string, className: string, extra: Partial<SimObject> = {}): SimObject {
  return { kind, repr: `<${className} object at ${fakeAddress()}>`, ...extra };
}

function widget(context: NodeContext, name: string): PyValue {
  const value = context.inputs.get(name);
  return value === undefined || isSimObject(value) ? null : value;
}

function upstream(context: NodeContext, name: string): SimObject | null {
  const value = context.inputs.get(name);
  return isSimObject(value) ? value : null;
}

function intWidget(context: NodeContext, name: string, fallback: number): number {
  const value = numericValue(widget(context, name) ?? fallback);
  return value === null ? fallback : Math.trunc(value);
}

/** Throws a RuntimeError when any string input carries the failure marker. */
function failIfRequested(context: NodeContext): void {
  for (const [name, value] of context.inputs) {
    if (typeof value === "string" && value.includes(FAIL_MARKER)) {
      throw new PyError("RuntimeError", `simulated failure: input '${name}' contains ${FAIL_MARKER}`);
    }
  }
}

function firstImage(context: NodeContext): SimObject | null {
  for (const value of context.inputs.values()) {
    if (isSimObject(value) && value.kind === "IMAGE") {
      return value;
    }
  }
  return null;
}

function save(context: NodeContext, folderType: "output" | "temp", prefix: string, image: SimObject | null): PyDict {
  const images = saveImages({
    baseDir: folderType === "output" ? context.folders.outputDir : context.folders.tempDir,
    folderType,
    prefix,
    width: image?.width ?? 512,
    height: image?.height ?? 512,
    batch: image?.batch ?? 1,
    seed: Number(image?.seed ?? 0) || 0,
    prompt: context.prompt,
    extraPngInfo: context.extraData.get("extra_pnginfo"),
    withMetadata: !context.config.disableMetadata,
  });
  return dict([["images", images]]);
}

async function runSampler(context: NodeContext): Promise<NodeResult> {
  const steps = intWidget(context, "steps", 20);
  const seedValue = widget(context, "seed");
  const seed = pyStr(seedValue);
  const latent = upstream(context, "latent_image");
  const failAt = seed === context.config.sim.failSeed ? Math.ceil(steps / 2) : null;

  simConsole.info("Requested to load BaseModel");
  simConsole.info("loaded completely 9.5367431640625e+25 1639.406135559082 True");
  await context.step(0, steps, 0);
  for (let step = 1; step <= steps; step += 1) {
    await sleep(context.config.sim.stepMs);
    if (failAt !== null && step === failAt) {
      throw new PyError("torch.OutOfMemoryError", "CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.55 GiB of which 1.12 GiB is free.");
    }
    await context.step(step, steps, Number.parseInt(seed, 10) || 0);
  }
  return { outputs: [object("LATENT", "dict", { ...latent, kind: "LATENT", seed, repr: `{'samples': tensor(shape=[${latent?.batch ?? 1}, 4, ${(latent?.height ?? 512) / 8}, ${(latent?.width ?? 512) / 8}])}` })], ui: null };
}

function loadImage(context: NodeContext): NodeResult {
  const name = pyStr(widget(context, "image"));
  const annotated = context.folders.annotatedFilepath(name);
  const file = path.join(annotated.dir ?? context.folders.inputDir, annotated.name);
  let size = { width: 512, height: 512 };
  try {
    size = pngSize(readFileSync(file)) ?? size;
  } catch {
    throw new PyError("FileNotFoundError", `[Errno 2] No such file or directory: '${file}'`);
  }
  return {
    outputs: [object("IMAGE", "torch.Tensor", { ...size, batch: 1, repr: "tensor(...)" }), object("MASK", "torch.Tensor", { ...size, repr: "tensor(...)" })],
    ui: null,
  };
}

function customOutputs(context: NodeContext): SimObject[] {
  const image = firstImage(context);
  return context.nodeClass.outputTypes.map((type) => object(type, "object", type === "IMAGE" && image !== null ? { ...image, kind: "IMAGE" } : {}));
}

/** Runs one node and returns its outputs and UI output. */
export async function runNode(context: NodeContext): Promise<NodeResult> {
  failIfRequested(context);
  const behaviour = context.nodeClass.behaviour;
  const nodeMs = context.config.sim.nodeMs;

  switch (behaviour.kind) {
    case "loader":
      await sleep(nodeMs);
      simConsole.info("model weight dtype torch.float16, manual cast: None");
      simConsole.info("model_type EPS");
      return { outputs: [object("MODEL", "comfy.model_patcher.ModelPatcher"), object("CLIP", "comfy.sd.CLIP"), object("VAE", "comfy.sd.VAE")], ui: null };
    case "passthrough":
      await sleep(nodeMs);
      return { outputs: context.nodeClass.outputTypes.map((type) => ({ kind: type, repr: "[[tensor(...), {'pooled_output': tensor(...)}]]" })), ui: null };
    case "latent": {
      await sleep(nodeMs);
      const width = intWidget(context, "width", 512);
      const height = intWidget(context, "height", 512);
      const batch = intWidget(context, "batch_size", 1);
      return { outputs: [{ kind: "LATENT", width, height, batch, repr: `{'samples': tensor(shape=[${batch}, 4, ${height / 8}, ${width / 8}])}` }], ui: null };
    }
    case "sampler":
      return runSampler(context);
    case "decode": {
      await sleep(nodeMs);
      const samples = upstream(context, "samples");
      return { outputs: [{ ...samples, kind: "IMAGE", repr: "tensor(...)" }], ui: null };
    }
    case "save": {
      await sleep(nodeMs);
      const prefix = behaviour.folderType === "temp" ? "ComfyUI" : pyStr(widget(context, "filename_prefix") ?? "ComfyUI");
      return { outputs: [], ui: save(context, behaviour.folderType, prefix, upstream(context, "images")) };
    }
    case "load-image":
      await sleep(nodeMs);
      return loadImage(context);
    case "custom": {
      await sleep(behaviour.seconds === null ? nodeMs : behaviour.seconds * 1000);
      const outputs = customOutputs(context);
      if (behaviour.ui === "images") {
        return { outputs, ui: save(context, "output", "ComfyUI", firstImage(context)) };
      }
      if (behaviour.ui === "text") {
        const texts = [...context.inputs.values()].filter((value): value is string => typeof value === "string");
        return { outputs, ui: dict([["text", texts.length > 0 ? texts : [context.nodeClass.name]]]) };
      }
      return { outputs, ui: null };
    }
  }
}

/** Formats a resolved input as ComfyUI's `format_value` does for `current_inputs`. */
export function formatInput(value: ResolvedInput): PyValue {
  if (isSimObject(value)) {
    return value.repr;
  }
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
    return value;
  }
  if (isDict(value) || Array.isArray(value)) {
    return pyStr(value);
  }
  return value;
}
