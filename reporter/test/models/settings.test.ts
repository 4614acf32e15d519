import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";

import { loadConfig } from "../../src/config/load.js";
import { createRootLogger } from "../../src/log/logger.js";

const BASE = { EDGE_URL: "http://127.0.0.1:8787", COMFYCARRY_INSTANCE_ID: "gpu-1", COMFYCARRY_INSTANCE_TOKEN: "tok_0123456789abcdef0123" };
const CIVITAI = "civitai-secret-0123456789";
const HF = "hf_secret_0123456789";

describe("model settings", () => {
  it("defaults to the public hosts", () => {
    const { models } = loadConfig({ env: BASE });
    expect(models?.hfEndpoint).toBe("https://huggingface.co");
    expect(models?.civitaiBaseUrl).toBe("https://civitai.com");
    expect(models?.tokens.get("civitai")).toBeNull();
  });

  it("reads tokens, mirror and test hosts", () => {
    const { models } = loadConfig({
      env: {
        ...BASE,
        CIVITAI_TOKEN: CIVITAI,
        HF_TOKEN: HF,
        HF_ENDPOINT: "https://hf-mirror.com/",
        COMFYCARRY_EXTRA_MODEL_PATHS: "/a/extra.yaml:/b/extra.yaml",
        COMFYCARRY_TEST_LOOPBACK_HOSTS: "127.0.0.1:4000=civitai,127.0.0.1:4001=huggingface",
      },
    });
    expect(models?.tokens.get("civitai")).toBe(CIVITAI);
    expect(models?.tokens.get("huggingface")).toBe(HF);
    expect(models?.hfEndpoint).toBe("https://hf-mirror.com");
    expect(models?.extraModelPathFiles).toEqual(["/a/extra.yaml", "/b/extra.yaml"]);
    expect(models?.testOnlyLoopbackHosts).toEqual({ "127.0.0.1:4000": "civitai", "127.0.0.1:4001": "huggingface" });
  });

  it("hides a bad token's value", () => {
    expect(() => loadConfig({ env: { ...BASE, HF_TOKEN: "has space" } })).toThrow(/HF_TOKEN is invalid: \(value hidden\)/);
  });

  it("never logs token values", () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const config = loadConfig({ env: { ...BASE, CIVITAI_TOKEN: CIVITAI, HF_TOKEN: HF } });
    createRootLogger({ level: "info", destination: sink }).info({ config }, "configuration loaded");
    const text = lines.join("");
    expect(text).not.toContain(CIVITAI);
    expect(text).not.toContain(HF);
    expect(text).toContain('"civitai":"set"');
  });
});

describe("host tokens", () => {
  it("prefers a token pushed by the edge", () => {
    const { models } = loadConfig({ env: { ...BASE, CIVITAI_TOKEN: CIVITAI } });
    models?.tokens.set("civitai", "from-edge");
    expect(models?.tokens.get("civitai")).toBe("from-edge");
    models?.tokens.set("civitai", null);
    expect(models?.tokens.get("civitai")).toBe(CIVITAI);
  });
});
