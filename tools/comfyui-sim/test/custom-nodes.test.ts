/** Custom node packs declared with comfyui-sim.json: loading logs, /object_info and execution. */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { startSim, tempBaseDir, type SimHandle } from "./helpers/sim.js";
import { getJson, postJson, waitForHistory } from "./helpers/workflow.js";

let sim: SimHandle;
let baseDir: string;

function writePack(name: string, declaration: unknown): void {
  const folder = path.join(baseDir, "custom_nodes", name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, "comfyui-sim.json"), JSON.stringify(declaration));
}

beforeAll(async () => {
  baseDir = tempBaseDir();
  writePack("ComfyUI-GoodPack", {
    import_seconds: 0.2,
    nodes: {
      SimTextNote: {
        display_name: "Text Note",
        category: "utils",
        input: { required: { text: ["STRING", { multiline: true }], count: ["INT", { default: 1, min: 1, max: 4 }] } },
        output: [],
        output_node: true,
        ui: "text",
      },
      SimLoraPicker: {
        input: { required: { lora_name: [{ models: "loras" }, {}] } },
        output: ["STRING"],
      },
    },
  });
  writePack("ComfyUI-BrokenPack", { import_error: "ModuleNotFoundError: No module named 'insightface'", nodes: { NeverLoaded: { input: {}, output: [] } } });
  writePack("ComfyUI-Old.disabled", { nodes: { DisabledNode: { input: {}, output: [] } } });
  writeFileSync(path.join(baseDir, "custom_nodes", "websocket_image_save.py"), "# a single-file pack\n");
  mkdirSync(path.join(baseDir, "models", "loras"), { recursive: true });
  writeFileSync(path.join(baseDir, "models", "loras", "style.safetensors"), "x");
  sim = await startSim({ baseDir });
});

afterAll(async () => {
  await sim.stop();
});

describe("loading logs", () => {
  test("failing pack is listed as IMPORT FAILED", () => {
    expect(sim.stderr()).toContain(`seconds (IMPORT FAILED): ${path.join(baseDir, "custom_nodes", "ComfyUI-BrokenPack")}`);
  });

  test("failing pack logs the import error", () => {
    expect(sim.stderr()).toContain(`Cannot import ${path.join(baseDir, "custom_nodes", "ComfyUI-BrokenPack")} module for custom nodes: No module named 'insightface'`);
  });

  test("import times block lists the good pack with its time", () => {
    expect(sim.stderr()).toContain("Import times for custom nodes:\n");
    expect(sim.stderr()).toContain(`   0.2 seconds: ${path.join(baseDir, "custom_nodes", "ComfyUI-GoodPack")}`);
  });

  test("single-file packs are listed", () => {
    expect(sim.stderr()).toContain(`   0.0 seconds: ${path.join(baseDir, "custom_nodes", "websocket_image_save.py")}`);
  });

  test("disabled packs are skipped", () => {
    expect(sim.stderr()).not.toContain("ComfyUI-Old.disabled");
  });

  test("import block comes before the ready line", () => {
    expect(sim.stderr().indexOf("Import times for custom nodes:")).toBeLessThan(sim.stderr().indexOf("To see the GUI go to"));
  });
});

describe("object_info", () => {
  test("declared classes appear with their module", async () => {
    const { body } = await getJson<Record<string, { python_module: string; display_name: string }>>(sim.url, "/object_info");
    expect(body.SimTextNote?.python_module).toBe("custom_nodes.ComfyUI-GoodPack");
    expect(body.SimTextNote?.display_name).toBe("Text Note");
  });

  test("classes of a failing pack are absent", async () => {
    const { body } = await getJson(sim.url, "/object_info/NeverLoaded");
    expect(body).toEqual({});
  });

  test("model-folder combos list the folder's files", async () => {
    const { body } = await getJson<{ SimLoraPicker: { input: { required: { lora_name: [string[]] } } } }>(sim.url, "/object_info/SimLoraPicker");
    expect(body.SimLoraPicker.input.required.lora_name[0]).toEqual(["style.safetensors"]);
  });

  test("core classes stay", async () => {
    const { body } = await getJson(sim.url, "/object_info");
    expect(Object.keys(body)).toEqual(expect.arrayContaining(["CheckpointLoaderSimple", "CLIPTextEncode", "EmptyLatentImage", "KSampler", "VAEDecode", "SaveImage", "LoadImage"]));
  });
});

describe("execution", () => {
  test("a declared output node runs and reports its text", async () => {
    const result = await postJson(sim.url, "/prompt", { prompt: { "1": { class_type: "SimTextNote", inputs: { text: "hello", count: 2 } } } });
    const entry = await waitForHistory(sim.url, String(result.body.prompt_id));
    expect(entry.outputs).toEqual({ "1": { text: ["hello"] } });
  });

  test("declared ranges are validated", async () => {
    const result = await postJson(sim.url, "/prompt", { prompt: { "1": { class_type: "SimTextNote", inputs: { text: "hello", count: 9 } } } });
    const errors = (result.body.node_errors as Record<string, { errors: Array<{ type: string }> }>)["1"]?.errors;
    expect(errors?.[0]?.type).toBe("value_bigger_than_max");
  });
});
