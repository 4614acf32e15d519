import { readFileSync } from "node:fs";
import { join } from "node:path";

import { workflowManifestSchema } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { NodeCatalog } from "../../src/workflows/parse/catalog.js";
import { WorkflowParseError, detectFormat, parseWorkflow } from "../../src/workflows/parse/manifest.js";
import { modelPath } from "../../src/workflows/parse/model-path.js";

const FIXTURES = join(import.meta.dirname, "../fixtures/workflows");

function readJson(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));
}

function catalog(): NodeCatalog {
  return new NodeCatalog().addNodeMap(readJson("node-map.json"));
}

const CASES = [
  { workflow: "sd15-lora.api.json", format: "api" },
  { workflow: "sdxl-lora-stack.ui.json", format: "ui" },
  { workflow: "controlnet-upscale.ui.json", format: "ui" },
  { workflow: "flux-subgraph.ui.json", format: "ui" },
  { workflow: "wan-video.api.json", format: "api" },
  { workflow: "instantid.api.json", format: "api" },
] as const;

describe("workflow fixtures", () => {
  for (const { workflow, format } of CASES) {
    describe(workflow, () => {
      const expected = workflowManifestSchema.parse(readJson(workflow.replace(/\.(ui|api)\.json$/, ".manifest.json")));
      const parsed = parseWorkflow(readJson(workflow), workflow, catalog());

      it("is read in its format", () => {
        expect(parsed.format).toBe(format);
      });
      it("yields the expected models", () => {
        expect(parsed.manifest.models).toEqual(expected.models);
      });
      it("yields the expected node packs", () => {
        expect(parsed.manifest.custom_nodes).toEqual(expected.custom_nodes);
      });
      it("marks the expected nodes inactive", () => {
        expect(parsed.manifest.inactive_nodes).toEqual(expected.inactive_nodes);
      });
      it("records the ComfyUI ref", () => {
        expect(parsed.manifest.comfyui).toEqual(expected.comfyui);
      });
      it("matches the whole expected manifest", () => {
        expect(parsed.manifest).toEqual(expected);
      });
      it("passes the manifest schema", () => {
        expect(workflowManifestSchema.safeParse(parsed.manifest).success).toBe(true);
      });
    });
  }
});

describe("model paths", () => {
  it.each(["None", "none", "Baked VAE", "", "  ", "[none]", "pixel_space", "taesdxl"])("placeholder %j is not a model", (value) => {
    expect(modelPath(value)).toBeNull();
  });
  it("normalises Windows separators", () => {
    expect(modelPath("SDXL\\styles\\ink.safetensors")).toBe("SDXL/styles/ink.safetensors");
  });
  it("keeps the file name of an absolute Windows path", () => {
    expect(modelPath("C:\\ComfyUI\\models\\loras\\ink.safetensors")).toBe("ink.safetensors");
  });
  it("rejects a path that climbs out of the folder", () => {
    expect(modelPath("../../etc/passwd.safetensors")).toBeNull();
  });
  it("ignores values that are not strings", () => {
    expect(modelPath(12)).toBeNull();
  });
});

describe("format detection", () => {
  it("reads a POST /prompt body as API format", () => {
    expect(detectFormat({ prompt: { "1": { class_type: "SaveImage", inputs: {} } }, client_id: "x" })?.format).toBe("api");
  });
  it("rejects a file that is neither format", () => {
    expect(() => parseWorkflow({ hello: "world" }, "notes.json", catalog())).toThrow(WorkflowParseError);
  });
  it("names the broken field of a malformed UI workflow", () => {
    expect(() => parseWorkflow({ nodes: [{ id: 1 }] }, "broken.json", catalog())).toThrow(/nodes\.0\.type/);
  });
});

describe("graph edge cases", () => {
  it("stops on a reroute loop", () => {
    const workflow = {
      nodes: [
        { id: 1, type: "Reroute", inputs: [{ name: "", link: 2 }] },
        { id: 2, type: "Reroute", inputs: [{ name: "", link: 1 }] },
        { id: 3, type: "VAELoader", inputs: [{ name: "vae_name", link: 1, widget: { name: "vae_name" } }], widgets_values: ["stored.safetensors"] },
      ],
      links: [
        [1, 2, 0, 1, 0, "*"],
        [2, 1, 0, 2, 0, "*"],
      ],
    };
    expect(parseWorkflow(workflow, "loop.json", catalog()).manifest.models.map((model) => model.name)).toEqual(["stored.safetensors"]);
  });

  it("makes every node inside a bypassed subgraph inactive", () => {
    const workflow = {
      nodes: [{ id: 5, type: "sub-1", mode: 4 }],
      definitions: { subgraphs: [{ id: "sub-1", nodes: [{ id: 1, type: "VAELoader", widgets_values: ["ae.safetensors"] }], links: [] }] },
    };
    expect(parseWorkflow(workflow, "bypassed.json", catalog()).manifest.models[0]?.required).toBe(false);
  });

  it("lists a hint no widget uses as not required", () => {
    const workflow = { nodes: [], models: [{ name: "extra.safetensors", url: "https://civitai.com/api/download/models/1", directory: "loras" }] };
    expect(parseWorkflow(workflow, "hint.json", catalog()).manifest.models).toEqual([
      {
        folder: "loras",
        name: "extra.safetensors",
        size: null,
        sha256: null,
        sources: [{ kind: "civitai", url: "https://civitai.com/api/download/models/1" }],
        required: false,
        used_by: [{ node: "", class_type: "", input: "properties.models", active: false }],
      },
    ]);
  });

  it("maps a class through a node name pattern", () => {
    const patterned = new NodeCatalog().addNodeMap({ "https://github.com/ltdrdata/ComfyUI-Inspire-Pack": [[], { title_aux: "Inspire", nodename_pattern: "Inspire$" }] });
    const manifest = parseWorkflow({ "1": { class_type: "KSamplerInspire", inputs: {} } }, "p.json", patterned).manifest;
    expect(manifest.custom_nodes[0]?.repository).toBe("https://github.com/ltdrdata/ComfyUI-Inspire-Pack");
  });

  it("treats classes the object info calls core as core", () => {
    const withInfo = new NodeCatalog().addObjectInfo({ BrandNewCoreNode: { python_module: "comfy_extras.nodes_new" } });
    expect(parseWorkflow({ "1": { class_type: "BrandNewCoreNode", inputs: {} } }, "c.json", withInfo).manifest.custom_nodes).toEqual([]);
  });

  it("maps an installed class to its pack folder", () => {
    const withInfo = new NodeCatalog().addObjectInfo(
      { MyNode: { python_module: "custom_nodes.ComfyUI-Mine" } },
      new Map([["comfyui-mine", { repository: "https://github.com/me/ComfyUI-Mine", id: null }]]),
    );
    expect(parseWorkflow({ "1": { class_type: "MyNode", inputs: {} } }, "m.json", withInfo).manifest.custom_nodes[0]?.repository).toBe("https://github.com/me/ComfyUI-Mine");
  });

  it("expands a legacy group node", () => {
    const workflow = {
      nodes: [{ id: 7, type: "workflow>Loaders", mode: 0, widgets_values: [] }],
      links: [],
      extra: { groupNodes: { Loaders: { nodes: [{ index: 0, type: "CheckpointLoaderSimple", widgets_values: ["group.safetensors"] }, { index: 1, type: "LoraLoader", mode: 4, widgets_values: ["style.safetensors", 1, 1] }] } } },
    };
    const manifest = parseWorkflow(workflow, "group.json", catalog()).manifest;
    expect(manifest.models.map((model) => [model.name, model.required, model.used_by[0]?.node])).toEqual([
      ["group.safetensors", true, "7:0"],
      ["style.safetensors", false, "7:1"],
    ]);
    expect(manifest.custom_nodes).toEqual([]);
  });

  it("resolves a value through nested subgraphs", () => {
    const workflow = {
      nodes: [
        { id: 1, type: "PrimitiveNode", widgets_values: ["deep.safetensors", "fixed"] },
        { id: 2, type: "outer", inputs: [{ name: "ckpt", link: 10 }] },
      ],
      links: [[10, 1, 0, 2, 0, "COMBO"]],
      definitions: {
        subgraphs: [
          { id: "outer", nodes: [{ id: 3, type: "inner", inputs: [{ name: "ckpt", link: 20 }] }], links: [{ id: 20, origin_id: -10, origin_slot: 0, target_id: 3, target_slot: 0 }] },
          {
            id: "inner",
            nodes: [{ id: 4, type: "CheckpointLoaderSimple", inputs: [{ name: "ckpt_name", link: 30, widget: { name: "ckpt_name" } }], widgets_values: ["stale.safetensors"] }],
            links: [{ id: 30, origin_id: -10, origin_slot: 0, target_id: 4, target_slot: 0 }],
          },
        ],
      },
    };
    const manifest = parseWorkflow(workflow, "nested.json", catalog()).manifest;
    expect(manifest.models.map((model) => [model.name, model.used_by[0]?.node])).toEqual([["deep.safetensors", "2:3:4"]]);
  });
});
