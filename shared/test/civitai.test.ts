import { describe, expect, it } from "vitest";

import { civitaiFileFolder, civitaiPageSchema, civitaiSearchResult, civitaiSearchUrl } from "../src/civitai.js";

const lora = {
  id: 7,
  name: "Paper cut",
  type: "LORA",
  modelVersions: [
    {
      id: 70,
      name: "v1",
      baseModel: "SDXL 1.0",
      images: [{ url: "https://image.example/clip.mp4", type: "video" }, { url: "https://image.example/still.png", type: "image" }],
      files: [{ id: 700, name: "paper.safetensors", type: "Model", sizeKB: 2, primary: true, hashes: { SHA256: "AB".repeat(32) } }],
    },
  ],
};

describe("civitaiSearchResult", () => {
  const page = civitaiPageSchema.parse({ items: [lora, { id: "not a model" }], metadata: { nextCursor: 42 } });
  const result = civitaiSearchResult(page, "https://civitai.example");

  it("leaves out an item that does not parse", () => {
    expect(result.items.map((item) => item.id)).toEqual([7]);
  });

  it("puts a LoRA file in its base model's folder", () => {
    expect(result.items[0]?.versions[0]?.files[0]?.folder).toBe("loras/SDXL 1.0");
  });

  it("links exactly one file", () => {
    expect(result.items[0]?.versions[0]?.files[0]?.download_url).toBe("https://civitai.example/api/download/models/70?fileId=700");
  });

  it("lowercases the SHA-256", () => {
    expect(result.items[0]?.versions[0]?.files[0]?.sha256).toBe("ab".repeat(32));
  });

  it("takes a still image as the preview", () => {
    expect(result.items[0]?.versions[0]?.preview_url).toBe("https://image.example/still.png");
  });

  it("turns a numeric cursor into text", () => {
    expect(result.next_cursor).toBe("42");
  });
});

describe("civitaiFileFolder", () => {
  it("sends a VAE inside a checkpoint version to vae", () => {
    expect(civitaiFileFolder("Checkpoint", "VAE", "SD 1.5")).toBe("vae");
  });

  it("keeps a pruned model with its model type", () => {
    expect(civitaiFileFolder("Checkpoint", "Pruned Model", "SD 1.5")).toBe("checkpoints");
  });
});

describe("civitaiSearchUrl", () => {
  it("repeats types once per value", () => {
    const url = civitaiSearchUrl({ limit: 20, types: ["LORA", "Checkpoint"], query: "  cat " }, "https://civitai.example");
    expect(url.searchParams.getAll("types")).toEqual(["LORA", "Checkpoint"]);
  });

  it("trims the query", () => {
    const url = civitaiSearchUrl({ limit: 20, query: "  cat " }, "https://civitai.example");
    expect(url.searchParams.get("query")).toBe("cat");
  });
});
