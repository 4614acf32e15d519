import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { FakeCivitai, SyntheticFile } from "@comfycarry/fake-model-hosts";

import type { DownloadEngine } from "../../src/downloads/engine.js";
import type { HostKind, TokenSource } from "../../src/downloads/hosts.js";
import type { DownloadJob } from "../../src/downloads/schemas.js";
import { makeDirs, openEngine, waitForStatus } from "./helpers.js";

// A resumed or retried job continues its partial file, so its byte count must carry on from
// where it stopped instead of dropping to 0 until aria2 reports again.

const MiB = 1024 * 1024;
const KEY = "civitai-resume-key-0123456789";
const open = new SyntheticFile({ size: 8 * MiB, seed: "resume-open", format: "safetensors" });
const gated = new SyntheticFile({ size: 8 * MiB, seed: "resume-gated", format: "safetensors" });

let civitai: FakeCivitai;
let dirs: Awaited<ReturnType<typeof makeDirs>>;
let engine: DownloadEngine | null = null;

beforeEach(async () => {
  dirs = await makeDirs();
  civitai = new FakeCivitai({
    tokens: [KEY],
    bytesPerSecond: MiB,
    models: [
      { id: 7, name: "Open", type: "LORA", versions: [{ id: 70, name: "v1", baseModel: "Pony", files: [{ id: 700, name: "open.safetensors", type: "Model", format: "SafeTensor", primary: true, file: open }] }] },
      { id: 8, name: "Gated", type: "LORA", versions: [{ id: 80, name: "v1", baseModel: "Pony", requireAuth: true, files: [{ id: 800, name: "gated.safetensors", type: "Model", format: "SafeTensor", primary: true, file: gated }] }] },
    ],
  });
  await civitai.start();
});

afterEach(async () => {
  await engine?.close();
  engine = null;
  await civitai.close();
  await dirs.cleanup();
});

/** A token the test can take away and give back, as the user does in Settings → Tokens. */
class SwitchableToken implements TokenSource {
  value: string | null = KEY;

  get(kind: HostKind): string | null {
    return kind === "civitai" ? this.value : null;
  }
}

async function add(engine: DownloadEngine, model: number): Promise<string> {
  const result = await engine.add({ url: `${civitai.origin}/models/${model}?modelVersionId=${model * 10}` });
  if (result.outcome !== "added") {
    throw new Error(`expected the job to be added, got ${JSON.stringify(result)}`);
  }
  return result.job.id;
}

function progressAbove(engine: DownloadEngine, id: string, bytes: number): Promise<void> {
  return new Promise((resolve) => {
    const onJob = (job: DownloadJob): void => {
      if (job.id === id && job.downloaded_bytes > bytes) {
        engine.off("job", onJob);
        resolve();
      }
    };
    engine.on("job", onJob);
  });
}

/** Runs `action` and returns every update of job `id` from then until it completes. */
async function updatesUntilDone(engine: DownloadEngine, id: string, action: () => Promise<unknown>): Promise<DownloadJob[]> {
  const seen: DownloadJob[] = [];
  const onJob = (job: DownloadJob): void => {
    if (job.id === id) {
      seen.push(job);
    }
  };
  engine.on("job", onJob);
  try {
    await action();
    await waitForStatus(engine, id, ["completed"], 60_000);
  } finally {
    engine.off("job", onJob);
  }
  return seen;
}

describe("byte counts across resume and retry", () => {
  it("keeps the paused count on resume", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const id = await add(engine, 7);
    await progressAbove(engine, id, 3 * MiB);
    const before = (await engine.pause(id)).downloaded_bytes;

    const current = engine;
    const updates = await updatesUntilDone(engine, id, () => current.resume(id));

    expect(Math.min(...updates.map((job) => job.downloaded_bytes))).toBeGreaterThanOrEqual(before);
  });

  it("keeps the failed count on retry", async () => {
    const token = new SwitchableToken();
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state, tokens: token });
    const id = await add(engine, 8);
    await progressAbove(engine, id, 3 * MiB);

    // Without the token the expired storage URL cannot be resolved again, so the job fails and keeps its partial file.
    token.value = null;
    civitai.clock.advance(61_000);
    civitai.store.dropConnections();
    const failed = await waitForStatus(engine, id, ["failed"], 60_000);
    token.value = KEY;

    const current = engine;
    const updates = await updatesUntilDone(engine, id, () => current.retry(id));

    expect(Math.min(...updates.map((job) => job.downloaded_bytes))).toBeGreaterThanOrEqual(failed.downloaded_bytes);
  });

  it("restarts a canceled job from 0", async () => {
    engine = await openEngine({ civitai, models: dirs.models, state: dirs.state });
    const id = await add(engine, 7);
    await progressAbove(engine, id, MiB);
    await engine.cancel(id);

    const current = engine;
    const updates = await updatesUntilDone(engine, id, () => current.retry(id));

    expect(updates.find((job) => job.status === "active")?.downloaded_bytes).toBe(0);
  });
});
