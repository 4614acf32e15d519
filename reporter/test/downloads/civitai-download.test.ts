import { readdir, readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { FakeCivitai } from "@comfycarry/fake-model-hosts";

import type { DownloadEngine } from "../../src/downloads/engine.js";
import { CIVITAI_TOKEN, civitaiCatalog, makeDirs, openEngine, tokens, waitForStatus } from "./helpers.js";

let dirs: Awaited<ReturnType<typeof makeDirs>>;
let civitai: FakeCivitai;
let engine: DownloadEngine | null = null;
const catalog = civitaiCatalog();

beforeEach(async () => {
  dirs = await makeDirs();
  civitai = new FakeCivitai({ models: catalog.models, tokens: [CIVITAI_TOKEN], bytesPerSecond: 0 });
  await civitai.start();
});

afterEach(async () => {
  await engine?.close();
  engine = null;
  await civitai.close();
  await dirs.cleanup();
});

async function filesIn(dir: string): Promise<string[]> {
  return readdir(dir, { recursive: true }).catch(() => []);
}

describe("CivitAI downloads", () => {
  it("fails with the token error on a sign-in page", async () => {
    civitai.loginRequiredAnswer = "html-200";
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const result = await engine.add({ url: `${civitai.origin}/models/500?modelVersionId=600` });
    expect(result.outcome).toBe("added");
    const job = result.outcome === "added" ? result.job : null;
    expect(job?.status).toBe("failed");
    expect(job?.error?.code).toBe("token_required");
    expect(job?.error?.message).toContain(`token required or invalid for ${new URL(civitai.origin).host}`);
    expect(await filesIn(dirs.models)).toEqual([]);
  });

  it("fails with the token error on a JSON 401", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const result = await engine.add({ url: `${civitai.origin}/api/download/models/600` });
    expect(result.outcome === "added" ? result.job.error?.code : result.outcome).toBe("token_required");
  });

  it("downloads through the presigned redirect without leaking the token", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state, tokens: tokens({ civitai: CIVITAI_TOKEN }) });
    const result = await engine.add({ url: `${civitai.origin}/models/500?modelVersionId=600` });
    if (result.outcome !== "added") {
      throw new Error(`expected added, got ${JSON.stringify(result)}`);
    }
    const done = await waitForStatus(engine, result.job.id, ["completed", "failed"]);
    expect(done.error).toBeNull();
    expect(done.status).toBe("completed");

    const bytes = await readFile(join(dirs.models, "checkpoints", "Locked_v1.safetensors"));
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(await catalog.locked.sha256());

    expect(civitai.store.requests.length).toBeGreaterThan(1);
    for (const request of civitai.store.requests) {
      expect(request.headers.authorization).toBeUndefined();
      expect(request.headers.cookie).toBeUndefined();
      expect(request.url).not.toContain(CIVITAI_TOKEN);
      expect(JSON.stringify(request.headers)).not.toContain(CIVITAI_TOKEN);
    }
    expect(civitai.requests.some((request) => request.headers.authorization === `Bearer ${CIVITAI_TOKEN}`)).toBe(true);
  });
});
