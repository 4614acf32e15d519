import type { ChildProcess } from "node:child_process";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { FakeCivitai, SyntheticFile } from "@comfycarry/fake-model-hosts";

import type { DownloadJob } from "../../src/downloads/schemas.js";
import { CIVITAI_TOKEN, makeDirs } from "./helpers.js";

const SOAK = process.env.COMFYCARRY_SOAK === "1";
const SIZE = SOAK ? 1024 * 1024 * 1024 : 48 * 1024 * 1024;
const PER_CONNECTION = SOAK ? 40 * 1024 * 1024 : 4 * 1024 * 1024;
const CHILD = new URL("./fixtures/engine-child.ts", import.meta.url).pathname;

const big = new SyntheticFile({ size: SIZE, seed: "crash-resume", format: "safetensors" });
const civitai = new FakeCivitai({
  models: [{ id: 77, name: "Big Checkpoint", type: "Checkpoint", versions: [{ id: 7700, name: "v1", baseModel: "SDXL 1.0", requireAuth: true, files: [{ id: 77001, name: "big_ckpt.safetensors", type: "Model", format: "SafeTensor", primary: true, file: big }] }] }],
  tokens: [CIVITAI_TOKEN],
  bytesPerSecond: PER_CONNECTION,
});
const children = new Set<ChildProcess>();

beforeAll(async () => {
  await civitai.start();
  await big.sha256();
});
afterAll(async () => {
  for (const child of children) {
    child.kill("SIGKILL");
  }
  await civitai.close();
});

interface RunningChild {
  child: ChildProcess;
  aria2Pid: number;
  /** Resolves with the first job event that satisfies `predicate`. */
  waitFor(predicate: (job: DownloadJob) => boolean, timeoutMs: number): Promise<DownloadJob>;
}

async function startChild(dirs: { state: string; models: string }, url?: string): Promise<RunningChild> {
  const config = { state: dirs.state, models: dirs.models, civitaiHost: new URL(civitai.origin).host, token: CIVITAI_TOKEN, ...(url === undefined ? {} : { url }) };
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(config)], { stdio: ["ignore", "pipe", "inherit"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  const lines = createInterface({ input: child.stdout });
  const waiters = new Set<(job: DownloadJob) => void>();
  let readyResolve: (pid: number) => void = () => undefined;
  const ready = new Promise<number>((resolve) => {
    readyResolve = resolve;
  });
  lines.on("line", (line) => {
    const message = JSON.parse(line) as { type: string; aria2Pid?: number; job?: DownloadJob };
    if (message.type === "ready") {
      readyResolve(message.aria2Pid ?? 0);
    }
    if (message.type === "job" && message.job !== undefined) {
      for (const waiter of waiters) {
        waiter(message.job);
      }
    }
  });
  const aria2Pid = await ready;
  return {
    child,
    aria2Pid,
    waitFor: (predicate, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching job event within ${timeoutMs} ms`)), timeoutMs);
        const waiter = (job: DownloadJob): void => {
          if (predicate(job)) {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(job);
          }
        };
        waiters.add(waiter);
      }),
  };
}

function killHard(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

type ControlDamage = "none" | "emptied" | "corrupted";

/** Downloads, kills engine and aria2 with SIGKILL at `fraction`, damages the control file, restarts, and returns the result. */
async function crashAndResume(fraction: number, damage: ControlDamage): Promise<{ job: DownloadJob; sha: string; bytesAfterRestart: number; expiredHits: number; resolvesAfterRestart: number }> {
  const dirs = await makeDirs();
  try {
    const first = await startChild(dirs, `${civitai.origin}/models/77?modelVersionId=7700`);
    const partial = await first.waitFor((job) => job.total_bytes !== null && job.downloaded_bytes >= job.total_bytes * fraction, 120_000);
    killHard(first.child.pid ?? 0);
    killHard(first.aria2Pid);
    expect(partial.status).toBe("active");

    // Presigned URLs expire after 60 s: move the fake's clock past that so the old URL is dead.
    civitai.clock.advance(61_000);
    const dir = join(dirs.models, "checkpoints");
    const control = (await readdir(dir)).find((name) => name.endsWith(".aria2"));
    if (control !== undefined && damage !== "none") {
      await writeFile(join(dir, control), damage === "emptied" ? Buffer.alloc(0) : randomBytes(200));
    }

    const restartedAt = Date.now();
    const resolvesBefore = civitai.requests.filter((r) => r.url.startsWith("/api/download/models/7700")).length;
    const second = await startChild(dirs);
    const job = await second.waitFor((j) => j.status === "completed" || j.status === "failed", 300_000);
    second.child.kill("SIGKILL");
    killHard(second.aria2Pid);

    const bytes = job.status === "completed" ? await readFile(join(dir, "big_ckpt.safetensors")) : Buffer.alloc(0);
    const after = civitai.store.requests.filter((r) => r.startedAt >= restartedAt);
    if (process.env.COMFYCARRY_TEST_LOG !== undefined) {
      console.log(after.map((r) => `${r.status} ${String(r.headers.range)} ${r.bodyBytes}`).join("\n"));
    }
    return {
      job,
      sha: createHash("sha256").update(bytes).digest("hex"),
      bytesAfterRestart: after.reduce((sum, r) => sum + r.bodyBytes, 0),
      expiredHits: after.filter((r) => r.status === 403).length,
      resolvesAfterRestart: civitai.requests.filter((r) => r.url.startsWith("/api/download/models/7700")).length - resolvesBefore,
    };
  } finally {
    await dirs.cleanup();
  }
}

describe("crash and resume", () => {
  it("resumes after kill -9 at 60 % with a fresh redirect", async () => {
    const result = await crashAndResume(0.6, "none");
    expect(result.job.status).toBe("completed");
    expect(result.sha).toBe(await big.sha256());
    expect(result.resolvesAfterRestart).toBeGreaterThan(0);
    expect(result.expiredHits).toBe(0);
    // The missing 40 % plus up to a second of transfer: aria2 saves its control file once a second.
    expect(result.bytesAfterRestart).toBeLessThan(SIZE * 0.85);
  }, 120_000);

  it.each(["emptied", "corrupted"] as const)("restarts the file cleanly when the control file is %s", async (damage) => {
    const result = await crashAndResume(0.6, damage);
    expect(result.job.status).toBe("completed");
    expect(result.sha).toBe(await big.sha256());
    expect(result.bytesAfterRestart).toBeGreaterThanOrEqual(SIZE);
  }, 120_000);

  it.runIf(SOAK)("survives 20 kills at random points of a 1 GiB file", async () => {
    for (let run = 0; run < 20; run += 1) {
      const fraction = 0.05 + Math.random() * 0.9;
      const result = await crashAndResume(fraction, "none");
      expect(result.sha, `run ${run} killed at ${(fraction * 100).toFixed(1)} %`).toBe(await big.sha256());
    }
  }, 1_800_000);
});
