import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { FakeCivitai, SyntheticFile } from "../src/index.js";
import type { CivitaiModelSpec } from "../src/index.js";

const lora = new SyntheticFile({ size: 300_000, seed: "ink-lora", format: "safetensors" });
const models: CivitaiModelSpec[] = [
  {
    id: 402871, name: "Ink Wash Style", type: "LORA", downloadCount: 50, tags: ["style"],
    versions: [{
      id: 1558120, name: "v2.0", baseModel: "SDXL 1.0", trainedWords: ["inkwash style"],
      files: [
        { id: 1460033, name: "inkwash_xl_v2.safetensors", type: "Model", format: "SafeTensor", size: "pruned", fp: "fp16", primary: true, file: lora },
        { id: 1460034, name: "Ink_v2_trainingData.zip", type: "Training Data", format: "Other", file: new SyntheticFile({ size: 1000, seed: "zip", format: "raw" }) },
      ],
    }],
  },
  {
    id: 500, name: "Locked Checkpoint", type: "Checkpoint", downloadCount: 10,
    versions: [{ id: 600, name: "v1", baseModel: "Flux.1 D", requireAuth: true, files: [{ id: 700, name: "Locked_v1.safetensors", type: "Model", format: "SafeTensor", primary: true, file: new SyntheticFile({ size: 2000, seed: "locked", format: "safetensors" }) }] }],
  },
];

const civitai = new FakeCivitai({ models, tokens: ["good-token"], presignTtlMs: 60_000 });
beforeAll(() => civitai.start());
afterAll(() => civitai.close());

const api = (path: string, init: RequestInit = {}): Promise<Response> => fetch(`${civitai.origin}${path}`, { redirect: "manual", ...init });

describe("fake CivitAI API", () => {
  it("filters search by repeated types", async () => {
    const body = (await (await api("/api/v1/models?types=LORA&types=LoCon")).json()) as { items: { id: number }[] };
    expect(body.items.map((item) => item.id)).toEqual([402871]);
  });

  it("pages with a cursor and drops it on the last page", async () => {
    const first = (await (await api("/api/v1/models?limit=1")).json()) as { metadata: { nextCursor?: string; nextPage?: string } };
    expect(first.metadata.nextCursor).toBe("1");
    const last = (await (await fetch(first.metadata.nextPage ?? "")).json()) as { metadata: { nextCursor?: string } };
    expect(last.metadata.nextCursor).toBeUndefined();
  });

  it("rejects deep page numbers with 429", async () => {
    expect((await api("/api/v1/models?limit=100&page=11")).status).toBe(429);
  });

  it("answers HEAD on the model list with 405", async () => {
    expect((await api("/api/v1/models", { method: "HEAD" })).status).toBe(405);
  });

  it("returns upper-case hashes and primary flags on versions", async () => {
    const body = (await (await api("/api/v1/model-versions/1558120")).json()) as { files: { hashes: { SHA256: string }; primary: boolean }[] };
    expect(body.files[0]?.hashes.SHA256).toBe((await lora.sha256()).toUpperCase());
    expect(body.files.map((f) => f.primary)).toEqual([true, false]);
  });

  it("finds a version by lower-case hash", async () => {
    const response = await api(`/api/v1/model-versions/by-hash/${await lora.sha256()}`);
    expect(((await response.json()) as { id: number }).id).toBe(1558120);
  });

  it("reports a missing model with its id", async () => {
    expect(await (await api("/api/v1/models/9")).json()).toEqual({ error: "No model with id 9" });
  });
});

describe("fake CivitAI download route", () => {
  it("answers 307 to another host with no-store", async () => {
    const response = await api("/api/download/models/1558120");
    expect(response.status).toBe(307);
    expect(new URL(response.headers.get("location") ?? "").origin).toBe(civitai.store.origin);
    expect(response.headers.get("cache-control")).toBe("no-store, max-age=0");
  });

  it("serves the file from the store with its name", async () => {
    const location = (await api("/api/download/models/1558120")).headers.get("location") ?? "";
    const response = await fetch(location);
    expect(response.headers.get("content-disposition")).toBe('attachment; filename="inkwash_xl_v2.safetensors"');
    expect(createHash("sha256").update(Buffer.from(await response.arrayBuffer())).digest("hex")).toBe(await lora.sha256());
  });

  it("serves ranges with 206 and 416", async () => {
    const location = (await api("/api/download/models/1558120")).headers.get("location") ?? "";
    const partial = await fetch(location, { headers: { Range: "bytes=10-19" } });
    expect(partial.status).toBe(206);
    expect(Buffer.from(await partial.arrayBuffer()).equals(lora.read(10, 20))).toBe(true);
    expect((await fetch(location, { headers: { Range: "bytes=300000-" } })).status).toBe(416);
  });

  it("store rejects an Authorization header", async () => {
    const location = (await api("/api/download/models/1558120")).headers.get("location") ?? "";
    expect((await fetch(location, { headers: { Authorization: "Bearer good-token" } })).status).toBe(400);
  });

  it("store rejects HEAD on a GET-signed URL", async () => {
    const location = (await api("/api/download/models/1558120")).headers.get("location") ?? "";
    expect((await fetch(location, { method: "HEAD" })).status).toBe(403);
  });

  it("store rejects URLs after 60 s", async () => {
    const location = (await api("/api/download/models/1558120")).headers.get("location") ?? "";
    civitai.clock.advance(61_000);
    expect((await fetch(location)).status).toBe(403);
  });

  it("404s a metadata mismatch but honours fileId", async () => {
    expect((await api("/api/download/models/1558120?type=Model&fp=bf16")).status).toBe(404);
    expect((await api("/api/download/models/1558120?fileId=1460034")).status).toBe(307);
  });

  it("answers login-required with JSON 401 to non-browsers", async () => {
    const response = await api("/api/download/models/600");
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: string }).error).toBe("Unauthorized");
  });

  it("sends browsers to the HTML sign-in page", async () => {
    const response = await api("/api/download/models/600", { headers: { "User-Agent": "Mozilla/5.0" } });
    expect(response.headers.get("location")).toBe("/login?returnUrl=%2Fmodel-versions%2F600&reason=download-auth");
    const page = await api(response.headers.get("location") ?? "");
    expect(page.headers.get("content-type")).toContain("text/html");
  });

  it("lets a Bearer token through and ignores a bad header over a good ?token=", async () => {
    expect((await api("/api/download/models/600", { headers: { Authorization: "Bearer good-token" } })).status).toBe(307);
    expect((await api("/api/download/models/600?token=good-token", { headers: { Authorization: "good-token" } })).status).toBe(401);
  });
});
