import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { FakeHuggingFace, SyntheticFile } from "@comfycarry/fake-model-hosts";

import type { DownloadEngine } from "../../src/downloads/engine.js";
import { HF_TOKEN, makeDirs, openEngine, tokens, waitForStatus } from "./helpers.js";

const weights = new SyntheticFile({ size: 2 * 1024 * 1024 + 17, seed: "hf-vae", format: "safetensors" });
const hf = new FakeHuggingFace({
  repos: [
    { id: "acme/open-vae", sha: "3f9a1c2b7d4e5f60718293a4b5c6d7e8f9a0b1c2", files: [{ path: "vae/diffusion_pytorch_model.safetensors", file: weights, lfs: true }] },
    { id: "acme/gated", sha: "3f9a1c2b7d4e5f60718293a4b5c6d7e8f9a0b1c2", gated: "manual", acceptedUsers: ["alice"], files: [{ path: "flux.safetensors", file: weights, lfs: true }] },
  ],
  tokens: [
    { token: HF_TOKEN, user: "alice", role: "read" },
    { token: "hf_bob", user: "bob", role: "read" },
    { token: "hf_alice_fine", user: "alice", role: "fineGrained", canReadGatedRepos: false },
  ],
});

let dirs: Awaited<ReturnType<typeof makeDirs>>;
let engine: DownloadEngine | null = null;

beforeAll(() => hf.start());
afterAll(() => hf.close());
beforeEach(async () => {
  dirs = await makeDirs();
});
afterEach(async () => {
  await engine?.close();
  engine = null;
  await dirs.cleanup();
});

describe("Hugging Face downloads", () => {
  it("downloads a blob link through HF_ENDPOINT and checks X-Linked-Etag", async () => {
    engine = await openEngine({ hf, models: dirs.models, state: dirs.state });
    const result = await engine.add({ url: "https://huggingface.co/acme/open-vae/blob/main/vae/diffusion_pytorch_model.safetensors" });
    if (result.outcome !== "added") {
      throw new Error(`expected added, got ${JSON.stringify(result)}`);
    }
    expect(result.job.url).toBe(`${hf.origin}/acme/open-vae/resolve/main/vae/diffusion_pytorch_model.safetensors`);
    expect(result.job.sha256).toBe(await weights.sha256());
    const done = await waitForStatus(engine, result.job.id, ["completed", "failed"]);
    expect(done.status).toBe("completed");
    const bytes = await readFile(join(dirs.models, "vae", "diffusion_pytorch_model.safetensors"));
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(await weights.sha256());
  });

  const gatedCases = [
    { name: "no token", token: null, code: "hf_token_missing", text: "add a Hugging Face token" },
    { name: "terms not accepted", token: "hf_bob", code: "hf_terms_not_accepted", text: "accept the license on" },
    { name: "fine-grained without gated access", token: "hf_alice_fine", code: "hf_token_gated_disabled", text: "enable gated-repo access on the token" },
  ];
  it.each(gatedCases)("explains a gated repo with $name", async ({ token, code, text }) => {
    engine = await openEngine({ hf, models: dirs.models, state: dirs.state, tokens: tokens(token === null ? {} : { huggingface: token }) });
    const before = hf.requests.filter((r) => r.url.includes("/acme/gated/resolve/")).length;
    const result = await engine.add({ url: `${hf.origin}/acme/gated/blob/main/flux.safetensors` });
    const job = result.outcome === "added" ? result.job : null;
    expect(job?.status).toBe("failed");
    expect(job?.error?.code).toBe(code);
    expect(job?.error?.message).toContain(text);

    // No retry loop: after a while the gated file was asked for exactly once.
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(hf.requests.filter((r) => r.url.includes("/acme/gated/resolve/")).length - before).toBe(1);
    expect(await readdir(dirs.models)).toEqual([]);
  });

  it("names the repo page in the license message", async () => {
    engine = await openEngine({ hf, models: dirs.models, state: dirs.state, tokens: tokens({ huggingface: "hf_bob" }) });
    const result = await engine.add({ url: `${hf.origin}/acme/gated/resolve/main/flux.safetensors` });
    expect(result.outcome === "added" ? result.job.error?.params?.repo_url : null).toBe(`${hf.origin}/acme/gated`);
  });

  it("downloads a gated file once the terms are accepted", async () => {
    engine = await openEngine({ hf, models: dirs.models, state: dirs.state, tokens: tokens({ huggingface: HF_TOKEN }) });
    const result = await engine.add({ url: `${hf.origin}/acme/gated/resolve/main/flux.safetensors`, folder: "diffusion_models" });
    const id = result.outcome === "added" ? result.job.id : "";
    expect((await waitForStatus(engine, id, ["completed", "failed"])).status).toBe("completed");
    for (const request of hf.cdn.requests) {
      expect(request.headers.authorization).toBeUndefined();
    }
  });
});
