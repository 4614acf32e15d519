import { describe, expect, it } from "vitest";

import { canInstall, missingCounts, modelPath, packName, rowState } from "./workflowView";

import type { WorkflowSummary } from "@comfycarry/shared";

function summary(overrides: Partial<WorkflowSummary>): WorkflowSummary {
  return { path: "a.json", size: 10, modified_at: "2026-01-01T00:00:00.000Z", format: "ui", error: null, comfyui_ref: null, models: [], custom_nodes: [], inactive_nodes: [], ...overrides };
}

const model = (name: string, present: boolean, required = true, sources = 1, folder: string | null = "loras") => ({
  folder,
  name,
  size: null,
  sha256: null,
  sources: Array.from({ length: sources }, () => ({ kind: "huggingface" as const, url: "https://huggingface.co/x/y/resolve/main/z.safetensors" })),
  required,
  used_by: [],
  present,
});

describe("missing counts", () => {
  const counted = missingCounts(
    summary({
      models: [model("a.safetensors", false), model("b.safetensors", false, true, 0), model("c.safetensors", true), model("d.safetensors", false, false)],
      custom_nodes: [
        { repository: "https://github.com/a/b", id: null, commit: null, class_types: ["X"], required: true, present: false },
        { repository: null, id: null, commit: null, class_types: ["Y", "Z"], required: true, present: false },
      ],
    }),
  );

  it("counts required missing models", () => {
    expect(counted.models).toBe(2);
  });
  it("counts models without a source", () => {
    expect(counted.modelsWithoutSource).toBe(1);
  });
  it("counts known missing packs", () => {
    expect(counted.packs).toBe(1);
  });
  it("counts unknown classes", () => {
    expect(counted.unknownClasses).toBe(2);
  });
  it("allows install with work to do", () => {
    expect(canInstall(counted)).toBe(true);
  });
  it("blocks install with only unresolvable models", () => {
    expect(canInstall({ models: 1, modelsWithoutSource: 1, packs: 0, unknownClasses: 3 })).toBe(false);
  });
});

describe("labels", () => {
  it("shows a model of unknown folder by name", () => {
    expect(modelPath({ folder: null, name: "x.safetensors" })).toBe("x.safetensors");
  });
  it("names a GitHub pack owner/repo", () => {
    expect(packName({ repository: "https://github.com/rgthree/rgthree-comfy.git", id: null })).toBe("rgthree/rgthree-comfy");
  });
  it("names a registry-only pack by id", () => {
    expect(packName({ repository: null, id: "comfyui-kjnodes" })).toBe("comfyui-kjnodes");
  });
  it("marks an inactive-only model optional", () => {
    expect(rowState({ required: false, present: false })).toBe("optional");
  });
});
