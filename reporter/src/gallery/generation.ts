import type { GenerationData } from "@comfycarry/shared";

/** One node of ComfyUI's API-format prompt: `{ "<id>": { class_type, inputs } }`. */
interface PromptNode {
  class_type?: unknown;
  inputs?: unknown;
}

type Graph = Record<string, PromptNode>;

/** An input wired to another node's output, written by ComfyUI as `["<node id>", <output index>]`. */
function linkTarget(value: unknown): string | null {
  return Array.isArray(value) && value.length === 2 && (typeof value[0] === "string" || typeof value[0] === "number") && typeof value[1] === "number" ? String(value[0]) : null;
}

function inputsOf(node: PromptNode | undefined): Record<string, unknown> {
  const inputs = node?.inputs;
  return typeof inputs === "object" && inputs !== null && !Array.isArray(inputs) ? (inputs as Record<string, unknown>) : {};
}

/**
 * Follows an input through links until a plain value turns up: primitive and string
 * nodes pass their `value`, `text`, `string` or `seed` input on. Stops after a few hops
 * so a cycle in a hand-edited prompt cannot loop.
 */
function resolveInput(graph: Graph, value: unknown, keys: string[], hops = 0): unknown {
  const target = linkTarget(value);
  if (target === null) {
    return value;
  }
  if (hops >= 8) {
    return null;
  }
  const inputs = inputsOf(graph[target]);
  for (const key of [...keys, "value", "text", "string", "text_g", "seed", "noise_seed", "int", "float"]) {
    if (key in inputs) {
      return resolveInput(graph, inputs[key], keys, hops + 1);
    }
  }
  // A conditioning combiner or similar: follow its first wired input.
  const first = Object.values(inputs).find((input) => linkTarget(input) !== null);
  return first === undefined ? null : resolveInput(graph, first, keys, hops + 1);
}

function asText(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function asNumber(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

const MODEL_FILE = /\.(safetensors|sft|ckpt|pt|pth|bin|gguf|onnx)$/iu;

/** Collects every input that names a model file (`ckpt_name`, `lora_name`, `unet_name`, …). */
function modelNames(graph: Graph): string[] {
  const names = new Set<string>();
  for (const node of Object.values(graph)) {
    for (const [key, value] of Object.entries(inputsOf(node))) {
      if (typeof value === "string" && (key.endsWith("_name") || key.startsWith("clip_name")) && MODEL_FILE.test(value)) {
        names.add(value);
      }
    }
  }
  return [...names];
}

/** Picks the sampler node: the first node, by id, that has `steps` and a seed or noise input. */
function findSampler(graph: Graph): Record<string, unknown> | null {
  const ids = Object.keys(graph).sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  for (const id of ids) {
    const inputs = inputsOf(graph[id]);
    if ("steps" in inputs && ("seed" in inputs || "noise_seed" in inputs || "noise" in inputs)) {
      return inputs;
    }
  }
  return null;
}

/**
 * Reads the generation parameters from ComfyUI's API-format prompt. Returns null when
 * the text is not a prompt graph. Graphs without a KSampler-like node still return
 * their model names.
 */
export function generationFromPrompt(promptJson: string): GenerationData | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(promptJson);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return null;
  }
  const graph = parsed as Graph;
  const sampler = findSampler(graph);
  const textKeys = ["text", "text_g", "prompt"];
  return {
    positive: sampler === null ? null : asText(resolveInput(graph, sampler.positive, textKeys)),
    negative: sampler === null ? null : asText(resolveInput(graph, sampler.negative, textKeys)),
    seed: sampler === null ? null : asNumber(resolveInput(graph, sampler.seed ?? sampler.noise_seed ?? sampler.noise, ["seed", "noise_seed"])),
    steps: sampler === null ? null : asNumber(resolveInput(graph, sampler.steps, ["steps"])),
    cfg: sampler === null ? null : asNumber(resolveInput(graph, sampler.cfg, ["cfg"])),
    sampler: sampler === null ? null : asText(resolveInput(graph, sampler.sampler_name, ["sampler_name"])),
    scheduler: sampler === null ? null : asText(resolveInput(graph, sampler.scheduler, ["scheduler"])),
    models: modelNames(graph),
  };
}
