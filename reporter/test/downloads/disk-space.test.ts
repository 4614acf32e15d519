import { execFileSync } from "node:child_process";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { FakeCivitai, SyntheticFile } from "@comfycarry/fake-model-hosts";
import type { CivitaiModelSpec } from "@comfycarry/fake-model-hosts";

import type { DownloadEngine } from "../../src/downloads/engine.js";
import { isAlive } from "../../src/downloads/aria2/leftovers.js";
import { makeDirs, openEngine, waitForStatus } from "./helpers.js";

const MiB = 1024 * 1024;

/** Whether this machine lets us mount a tmpfs (root in a container that allows mounts). */
function canMountTmpfs(): boolean {
  try {
    execFileSync("mount", ["--version"], { stdio: "ignore" });
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}
const TMPFS = canMountTmpfs();

function model(id: number, name: string, file: SyntheticFile, publishedSha256?: string): CivitaiModelSpec {
  return { id, name, type: "Checkpoint", versions: [{ id: id * 10, name: "v1", baseModel: "SDXL 1.0", files: [{ id: id * 100, name: `${name}.safetensors`, type: "Model", format: "SafeTensor", primary: true, file, ...(publishedSha256 === undefined ? {} : { publishedSha256 }) }] }] };
}

const huge = new SyntheticFile({ size: 2_000_000_000, seed: "huge", format: "safetensors" });
const medium = new SyntheticFile({ size: 6 * MiB, seed: "medium", format: "safetensors" });
const small = new SyntheticFile({ size: 256 * 1024, seed: "small", format: "safetensors" });
const civitai = new FakeCivitai({
  models: [model(1, "huge", huge, "A".repeat(64)), model(2, "medium", medium), model(3, "small", small), model(4, "badhash", small, "B".repeat(64))],
  bytesPerSecond: MiB,
});

let dirs: Awaited<ReturnType<typeof makeDirs>>;
let engine: DownloadEngine | null = null;
let mounted: string | null = null;

beforeEach(async () => {
  dirs = await makeDirs();
  await civitai.start();
});
afterEach(async () => {
  await engine?.close();
  engine = null;
  await civitai.close();
  if (mounted !== null) {
    execFileSync("umount", [mounted]);
    mounted = null;
  }
  await dirs.cleanup();
});

async function mountModels(size: string): Promise<string> {
  const target = join(dirs.root, "tmpfs-models");
  await mkdir(target);
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", target]);
  mounted = target;
  return target;
}

describe("disk space", () => {
  it.runIf(TMPFS)("refuses a 2 GB file with 500 MB free before starting", async () => {
    const models = await mountModels("500m");
    engine = await openEngine({ civitai, models, state: dirs.state });
    const result = await engine.add({ url: `${civitai.origin}/models/1?modelVersionId=10` });
    expect(result.outcome).toBe("refused");
    const error = result.outcome === "refused" ? result.error : null;
    expect(error?.code).toBe("insufficient_space");
    expect(error?.params?.free_bytes).toBeGreaterThan(400 * 1000 * 1000);
    expect(error?.message).toMatch(/\d+\.\d MiB free, 2\.0 GiB needed/);
    expect(civitai.store.requests.filter((r) => r.headers.range !== "bytes=0-63")).toEqual([]);
  });

  it.runIf(TMPFS)("fails cleanly when the disk fills mid-download", async () => {
    const models = await mountModels("8m");
    engine = await openEngine({ civitai, models, state: dirs.state });
    const result = await engine.add({ url: `${civitai.origin}/models/2?modelVersionId=20` });
    const id = result.outcome === "added" ? result.job.id : "";
    await new Promise<void>((resolve) => {
      const onJob = (job: { id: string; downloaded_bytes: number }): void => {
        if (job.id === id && job.downloaded_bytes > MiB) {
          engine?.off("job", onJob);
          resolve();
        }
      };
      engine?.on("job", onJob);
    });
    await writeFile(join(models, "filler.bin"), Buffer.alloc(5 * MiB)).catch(() => undefined);

    const failed = await waitForStatus(engine, id, ["failed", "completed"]);
    expect(failed.error?.code).toBe("disk_full");
    expect(await readdir(join(models, "checkpoints"))).toEqual([]);
    expect(isAlive(engine.aria2Pid ?? 0)).toBe(true);

    // The engine keeps working once space is back.
    await rm(join(models, "filler.bin"));
    const next = await engine.add({ url: `${civitai.origin}/models/3?modelVersionId=30` });
    const nextId = next.outcome === "added" ? next.job.id : "";
    expect((await waitForStatus(engine, nextId, ["completed", "failed"])).status).toBe("completed");
  });

  it("discards a file whose SHA-256 differs from the published hash", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const result = await engine.add({ url: `${civitai.origin}/models/4?modelVersionId=40` });
    const id = result.outcome === "added" ? result.job.id : "";
    const job = await waitForStatus(engine, id, ["failed", "completed"]);
    expect(job.error?.code).toBe("hash_mismatch");
    expect(await readdir(join(dirs.models, "checkpoints"))).toEqual([]);
  });
});
