import { describe, expect, it } from "vitest";

import { inputSources, upstreamNodes } from "../../src/comfyui/graph-ancestry.js";
import { readNodeStates } from "../../src/comfyui/node-states.js";
import { classesOf } from "../../src/comfyui/prompt-graphs.js";

function entry(state: string) {
  return { value: 1, max: 1, state, node_id: "x", prompt_id: "p", display_node_id: "x", parent_node_id: null, real_node_id: "x" };
}

describe("readNodeStates", () => {
  it("reads running and finished nodes", () => {
    const states = readNodeStates({ prompt_id: "p", nodes: { "4": entry("finished"), "3": entry("running"), "6": entry("finished") } });
    expect(states).toEqual({ prompt_id: "p", running: "3", finished: ["4", "6"] });
  });

  it("prefers a top-level running node", () => {
    const inner = { ...entry("running"), parent_node_id: "outer" };
    expect(readNodeStates({ prompt_id: "p", nodes: { "outer:3": inner, outer: entry("running") } })?.running).toBe("outer");
  });

  it("counts an errored node as neither", () => {
    expect(readNodeStates({ prompt_id: "p", nodes: { "3": entry("error") } })).toEqual({ prompt_id: "p", running: null, finished: [] });
  });

  it("rejects a missing prompt id", () => {
    expect(readNodeStates({ nodes: {} })).toBeNull();
  });

  it("rejects nodes given as a list", () => {
    expect(readNodeStates({ prompt_id: "p", nodes: [entry("running")] })).toBeNull();
  });

  it("rejects a non-object node entry", () => {
    expect(readNodeStates({ prompt_id: "p", nodes: { "3": "running" } })).toBeNull();
  });
});

const GRAPH = {
  "4": { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "model.safetensors" } },
  "6": { class_type: "CLIPTextEncode", inputs: { text: "a cat", clip: ["4", 1] } },
  "5": { class_type: "EmptyLatentImage", inputs: { width: 64, height: 64, batch_size: 1 } },
  "3": { class_type: "KSampler", inputs: { seed: 1, model: ["4", 0], positive: ["6", 0], latent_image: ["5", 0] } },
  "8": { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
};

describe("upstreamNodes", () => {
  it("finds direct and indirect inputs", () => {
    expect(upstreamNodes(GRAPH, "3")).toEqual(new Set(["4", "6", "5"]));
  });

  it("finds the same nodes in a stored graph", () => {
    expect(upstreamNodes(classesOf(GRAPH), "8")).toEqual(new Set(["3", "4", "6", "5"]));
  });

  it("ignores a link to a node outside the graph", () => {
    expect(inputSources({ "1": { inputs: { image: ["99", 0] } } }, "1")).toEqual([]);
  });

  it("ignores a list value that is not a link", () => {
    expect(inputSources({ "1": { inputs: { size: [512, 512] } }, "512": {} }, "1")).toEqual([]);
  });
});
