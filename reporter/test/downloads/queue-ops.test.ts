import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { FakeCivitai, SyntheticFile } from "@comfycarry/fake-model-hosts";
import type { CivitaiModelSpec } from "@comfycarry/fake-model-hosts";

import type { DownloadEngine } from "../../src/downloads/engine.js";
import type { DownloadJob } from "../../src/downloads/schemas.js";
import { waitFor } from "../helpers/fake-edge.js";
import { makeDirs, openEngine, waitForStatus } from "./helpers.js";

const MiB = 1024 * 1024;

function lora(id: number, file: SyntheticFile): CivitaiModelSpec {
  return { id, name: `Lora ${id}`, type: "LORA", versions: [{ id: id * 10, name: "v1", baseModel: "Pony", files: [{ id: id * 100, name: `lora_${id}.safetensors`, type: "Model", format: "SafeTensor", primary: true, file }] }] };
}

const files = [1, 2, 3].map((n) => new SyntheticFile({ size: 8 * MiB, seed: `queue-${n}`, format: "safetensors" }));
let civitai: FakeCivitai;
let dirs: Awaited<ReturnType<typeof makeDirs>>;
let engine: DownloadEngine | null = null;

beforeEach(async () => {
  dirs = await makeDirs();
  civitai = new FakeCivitai({ models: files.map((file, i) => lora(i + 1, file)), bytesPerSecond: MiB });
  await civitai.start();
});
afterEach(async () => {
  await engine?.close();
  engine = null;
  await civitai.close();
  await dirs.cleanup();
});

async function add(n: number, extra: { allow_duplicate?: boolean } = {}): Promise<DownloadJob> {
  const result = await engine?.add({ url: `${civitai.origin}/models/${n}?modelVersionId=${n * 10}`, ...extra });
  if (result?.outcome !== "added") {
    throw new Error(`expected added, got ${JSON.stringify(result)}`);
  }
  return result.job;
}

function progressAbove(id: string, bytes: number): Promise<void> {
  return new Promise((resolve) => {
    const onJob = (job: DownloadJob): void => {
      if (job.id === id && job.downloaded_bytes > bytes) {
        engine?.off("job", onJob);
        resolve();
      }
    };
    engine?.on("job", onJob);
  });
}

async function sha(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path)).digest("hex");
}

describe("download queue", () => {
  it("runs one job at a time in queue order", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const first = await add(1);
    const second = await add(2);
    await waitForStatus(engine, first.id, ["active"]);
    expect(engine.get(second.id)?.status).toBe("queued");
    expect(engine.overview()).toMatchObject({ available: true, active_count: 1, queue_count: 1 });
    expect(engine.overview().current?.name).toBe("lora_1.safetensors");
    await waitForStatus(engine, first.id, ["completed"]);
    await waitForStatus(engine, second.id, ["completed"]);
  });

  it("stops polling while no job waits and starts again for a new one", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    await waitFor("the empty queue to go idle", () => engine?.isIdle === true);

    const job = await add(1);
    expect(engine.isIdle).toBe(false);
    await waitForStatus(engine, job.id, ["completed"]);
    await waitFor("the queue to go idle", () => engine?.isIdle === true);

    expect(engine.isIdle).toBe(true);
  });

  it("reorders queued jobs", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const first = await add(1);
    const second = await add(2);
    const third = await add(3);
    const order = engine.reorder(third.id, 1).map((job) => job.id);
    expect(order).toEqual([first.id, third.id, second.id]);
    await waitForStatus(engine, third.id, ["completed"]);
    expect(engine.get(second.id)?.status).not.toBe("completed");
  });

  it("pauses and resumes from the partial file", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const job = await add(1);
    await progressAbove(job.id, 3 * MiB);
    const paused = await engine.pause(job.id);
    expect(paused.status).toBe("paused");
    const partials = (await readdir(join(dirs.models, "loras", "Pony"))).filter((name) => name.includes("comfycarry-part"));
    expect(partials.length).toBeGreaterThan(0);

    const resumedAt = Date.now();
    await engine.resume(job.id);
    await waitForStatus(engine, job.id, ["completed"]);
    const served = civitai.store.requests.filter((r) => r.startedAt >= resumedAt).reduce((sum, r) => sum + r.bodyBytes, 0);
    expect(served).toBeLessThan(8 * MiB);
    expect(await sha(join(dirs.models, "loras", "Pony", "lora_1.safetensors"))).toBe(await files[0]?.sha256());
  });

  it("cancels a job and deletes its partial file", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const job = await add(1);
    await progressAbove(job.id, MiB);
    expect((await engine.cancel(job.id)).status).toBe("canceled");
    expect(await readdir(join(dirs.models, "loras", "Pony"))).toEqual([]);
  });

  it("retries a canceled job", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const job = await add(3);
    await engine.cancel(job.id);
    expect((await engine.retry(job.id)).status).toBe("queued");
    expect((await waitForStatus(engine, job.id, ["completed", "failed"])).status).toBe("completed");
  });

  it("rejects actions on a job in the wrong state", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const job = await add(1);
    await expect(engine.resume(job.id)).rejects.toThrow(/is (queued|active); this action needs one of paused/);
    await expect(engine.pause("missing")).rejects.toThrow(/not found/);
  });

  it("reports duplicates by URL, target and installed file", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const job = await add(3);
    const again = await engine.add({ url: `${civitai.origin}/models/3?modelVersionId=30` });
    expect(again.outcome).toBe("duplicate");
    expect(again.outcome === "duplicate" ? again.preview.duplicates.map((d) => d.reason) : []).toContain("same_url");
    await waitForStatus(engine, job.id, ["completed"]);

    const installed = await engine.add({ url: `${civitai.origin}/api/download/models/30` });
    const reasons = installed.outcome === "duplicate" ? installed.preview.duplicates.map((d) => d.reason) : [];
    expect(reasons).toContain("same_target");
    expect((await add(3, { allow_duplicate: true })).status).toBe("queued");
  });

  it("previews name, size, folder and hash before adding", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const preview = await engine.preview({ url: `${civitai.origin}/models/2?modelVersionId=20` });
    expect(preview).toMatchObject({ file_name: "lora_2.safetensors", folder: "loras/Pony", total_bytes: 8 * MiB, sha256: await files[1]?.sha256(), fits: true });
    expect(engine.list()).toEqual([]);
  });

  it("resumes after aria2 alone is killed", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const job = await add(2);
    await progressAbove(job.id, 3 * MiB);
    process.kill(engine.aria2Pid ?? 0, "SIGKILL");
    expect((await waitForStatus(engine, job.id, ["completed", "failed"])).status).toBe("completed");
    expect(await sha(join(dirs.models, "loras", "Pony", "lora_2.safetensors"))).toBe(await files[1]?.sha256());
  });

  it("re-resolves a presigned URL that expires mid-transfer", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const job = await add(1);
    await progressAbove(job.id, 2 * MiB);
    civitai.clock.advance(61_000);
    civitai.store.dropConnections();
    expect((await waitForStatus(engine, job.id, ["completed", "failed"])).status).toBe("completed");
    expect(civitai.store.requests.some((r) => r.status === 403)).toBe(true);
  });

  it("resumes jobs of a closed engine on the next open", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const job = await add(1);
    await progressAbove(job.id, 2 * MiB);
    await engine.close();
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    expect((await waitForStatus(engine, job.id, ["completed", "failed"])).status).toBe("completed");
  });
});
