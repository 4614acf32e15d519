import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { workflowManifestSchema } from "@comfycarry/shared";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { MANIFEST_FILE } from "../../src/workflows/workflow-files.js";
import { FIXTURES, addFixture, addModel, localPack, openService, tempComfyui } from "./helpers.js";
import type { TempComfyui } from "./helpers.js";

let layout: TempComfyui;

beforeEach(async () => {
  layout = await tempComfyui();
});
afterEach(async () => {
  await layout.close();
});

describe("workflows list", () => {
  it("marks models on disk present and others missing", async () => {
    await addFixture(layout, "sd15-lora.api.json");
    await addModel(layout, "checkpoints", "v1-5-pruned-emaonly.safetensors");
    await addModel(layout, "loras", "sd15/add_detail.safetensors");
    const service = await openService(layout);

    const [summary] = (await service.list()).workflows;
    const presence = Object.fromEntries((summary?.models ?? []).map((model) => [`${model.folder}/${model.name}`, model.present]));
    expect(presence).toEqual({
      "checkpoints/v1-5-pruned-emaonly.safetensors": true,
      "loras/sd15/add_detail.safetensors": true,
      "loras/sd15/epi_noiseoffset2.safetensors": false,
      "vae/vae-ft-mse-840000-ema-pruned.safetensors": false,
    });
  });

  it("finds diffusion models under the unet folder", async () => {
    await addFixture(layout, "wan-video.api.json");
    await addModel(layout, "unet", "wan2.1_t2v_1.3B_fp16.safetensors");
    const service = await openService(layout);

    const [summary] = (await service.list()).workflows;
    expect(summary?.models.find((model) => model.name === "wan2.1_t2v_1.3B_fp16.safetensors")?.present).toBe(true);
  });

  it("matches installed packs by repository", async () => {
    await addFixture(layout, "wan-video.api.json");
    const service = await openService(layout, [localPack("vhs", "https://github.com/Kosinkadink/ComfyUI-VideoHelperSuite.git")]);

    const [summary] = (await service.list()).workflows;
    const presence = Object.fromEntries((summary?.custom_nodes ?? []).map((pack) => [pack.repository, pack.present]));
    expect(presence).toEqual({ "https://github.com/Kosinkadink/ComfyUI-VideoHelperSuite": true, "https://github.com/city96/ComfyUI-GGUF": false });
  });

  it("does not count a disabled pack", async () => {
    await addFixture(layout, "wan-video.api.json");
    const service = await openService(layout, [localPack("ComfyUI-GGUF", null, false)]);

    const [summary] = (await service.list()).workflows;
    expect(summary?.custom_nodes.find((pack) => pack.repository === "https://github.com/city96/ComfyUI-GGUF")?.present).toBe(false);
  });

  it("lists a broken file with its error", async () => {
    await writeFile(join(layout.workflowsDir, "broken.json"), "{ not json");
    const service = await openService(layout);

    const [summary] = (await service.list()).workflows;
    expect(summary?.error).toMatch(/not valid JSON/);
  });

  it("lists workflows in subfolders with slash paths", async () => {
    await addFixture(layout, "instantid.api.json", "faces/instantid.json");
    const service = await openService(layout);

    expect((await service.list()).workflows.map((workflow) => workflow.path)).toEqual(["faces/instantid.json"]);
  });

  it("skips the manifest file", async () => {
    await addFixture(layout, "sd15-lora.api.json");
    const service = await openService(layout);
    await service.writeInstanceManifest();

    expect((await service.list()).workflows).toHaveLength(1);
  });
});

describe("workflows upload", () => {
  it("stores the file and refreshes the manifest", async () => {
    const service = await openService(layout);
    const content = await readFile(join(FIXTURES, "flux-subgraph.ui.json"), "utf8");

    const summary = await service.upload("flux/dev.json", content, false);
    expect(summary.format).toBe("ui");
    expect(await readFile(join(layout.workflowsDir, "flux/dev.json"), "utf8")).toBe(content);
    const manifest = workflowManifestSchema.parse(JSON.parse(await readFile(join(layout.workflowsDir, MANIFEST_FILE), "utf8")));
    expect(manifest.workflows).toEqual(["flux/dev.json"]);
  });

  it("rejects text that is not JSON", async () => {
    const service = await openService(layout);
    await expect(service.upload("x.json", "nope", false)).rejects.toMatchObject({ code: "invalid_arguments" });
  });

  it("rejects JSON that is not a workflow", async () => {
    const service = await openService(layout);
    await expect(service.upload("x.json", '{"hello": 1}', false)).rejects.toThrow(/neither a UI-format workflow/);
  });

  it("keeps an existing file without overwrite", async () => {
    await addFixture(layout, "sd15-lora.api.json", "x.json");
    const service = await openService(layout);
    const content = await readFile(join(FIXTURES, "wan-video.api.json"), "utf8");

    await expect(service.upload("x.json", content, false)).rejects.toThrow(/already exists/);
  });

  it("rejects a path outside the folder", async () => {
    const service = await openService(layout);
    expect(() => service.files.resolve("../escape.json")).toThrow(/leaves the workflows folder/);
  });
});

describe("instance manifest", () => {
  it("unions workflows with installed packs and models", async () => {
    await addFixture(layout, "sd15-lora.api.json");
    await addFixture(layout, "controlnet-upscale.ui.json");
    await addModel(layout, "checkpoints", "v1-5-pruned-emaonly.safetensors", "12345");
    await addModel(layout, "embeddings", "EasyNegative.safetensors");
    const service = await openService(layout, [localPack("ComfyUI-Crystools", "https://github.com/crystian/ComfyUI-Crystools")]);

    const manifest = await service.instanceManifest();
    expect(manifest.workflows).toEqual(["controlnet-upscale.ui.json", "sd15-lora.api.json"]);
    expect(manifest.models.find((model) => model.name === "v1-5-pruned-emaonly.safetensors")).toMatchObject({ required: true, size: 5 });
    expect(manifest.models.find((model) => model.name === "EasyNegative.safetensors")).toMatchObject({ folder: "embeddings", required: false });
    expect(manifest.custom_nodes.map((pack) => pack.repository)).toEqual(["https://github.com/Fannovel16/comfyui_controlnet_aux", "https://github.com/crystian/ComfyUI-Crystools"]);
    expect(workflowManifestSchema.safeParse(manifest).success).toBe(true);
  });
});

describe("pull policy", () => {
  it("defaults large folders to on demand", async () => {
    const service = await openService(layout);
    expect(["checkpoints", "diffusion_models", "loras", "vae"].map((folder) => service.policies.policyFor(folder))).toEqual(["on_demand", "on_demand", "on_demand", "restore"]);
  });

  it("keeps a change across a restart", async () => {
    const first = await openService(layout);
    await first.policies.set("vae", "never");

    const second = await openService(layout);
    expect(second.policies.policyFor("vae")).toBe("never");
  });

  it("falls back to defaults on a broken file", async () => {
    const first = await openService(layout);
    await first.policies.set("vae", "never");
    await writeFile(join(layout.stateDir, "workflows", "pull-policy.json"), "{ broken");

    const second = await openService(layout);
    expect(second.policies.policyFor("vae")).toBe("restore");
  });
});

describe("models sync preset", () => {
  it("leaves on-demand folders out of a restore", async () => {
    const { presetRule } = await import("../../src/sync/rules/presets.js");
    expect(presetRule("models", { remote: "disk" }).filters?.exclude).toEqual(["/checkpoints/**", "/diffusion_models/**", "/unet/**", "/loras/**"]);
  });

  it("restores every folder with an empty list", async () => {
    const { presetRule } = await import("../../src/sync/rules/presets.js");
    expect(presetRule("models", { remote: "disk", pull_later: [] }).filters?.exclude).toEqual([]);
  });
});

describe("deploy models hook", () => {
  it("queues missing restore-policy models with a source", async () => {
    const { modelsToQueueFrom } = await import("../../src/workflows/deploy-hook.js");
    await addFixture(layout, "flux-subgraph.ui.json");
    await addModel(layout, "clip", "clip_l.safetensors");
    const service = await openService(layout);

    expect(await modelsToQueueFrom(service)()).toEqual([
      { url: "https://huggingface.co/comfyanonymous/flux_text_encoders/resolve/main/t5xxl_fp8_e4m3fn.safetensors", folder: "text_encoders", file_name: "t5xxl_fp8_e4m3fn.safetensors" },
      { url: "https://huggingface.co/black-forest-labs/FLUX.1-dev/resolve/main/ae.safetensors", folder: "vae", file_name: "ae.safetensors" },
    ]);
  });
});
