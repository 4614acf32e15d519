import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { execa } from "execa";

import { createRootLogger } from "../../reporter/src/log/logger.js";
import { SyncEngine } from "../../reporter/src/sync/index.js";
import { startRcloneRemotes } from "../../tools/rclone-remotes/src/remotes.js";
import type { RcloneRemotes } from "../../tools/rclone-remotes/src/remotes.js";
import { percentile } from "./stats.js";

export interface SyncBenchOptions {
  /** New output files whose time to the remote is measured, one after another. */
  outputs: number;
  /** Bytes of each output file. */
  outputBytes: number;
  /** Small files copied in one job and, as the baseline, one rclone call each. */
  smallFiles: number;
}

export interface SyncBenchResult {
  options: SyncBenchOptions;
  /** New output file closed → the same size on the remote, in ms. */
  outputToRemoteMs: { p50: number; p99: number; samples: number };
  oneJobSeconds: number;
  perFileSeconds: number;
  /** Per-file calls over one job: how much faster the engine's single job is. */
  batchRatio: number;
  /** Files of the one-job copy found on the remote afterwards. */
  oneJobFilesOnRemote: number;
}

const POLL_MS = 20;

/**
 * Measures the sync engine against rclone's local-disk remote, so the figures are the
 * engine's own overhead (watching, settling, starting rclone) rather than a network's.
 */
export async function runSyncBench(options: SyncBenchOptions): Promise<SyncBenchResult> {
  const remotes = await startRcloneRemotes();
  const root = await mkdtemp(join(tmpdir(), "comfycarry-sync-bench-"));
  const workspace = join(root, "workspace");
  const stateDir = join(root, "state");
  await mkdir(join(workspace, "ComfyUI", "output"), { recursive: true });
  await mkdir(stateDir, { recursive: true });
  const engine = new SyncEngine({
    stateDir,
    workspaceDir: workspace,
    configPath: remotes.configPath,
    log: createRootLogger({ level: process.env.COMFYCARRY_BENCH_LOG ?? "silent", destination: process.stderr }),
  });
  await engine.start();

  try {
    const latencies = await measureOutputs(engine, remotes, workspace, options);
    const batch = await measureBatch(engine, remotes, workspace, options.smallFiles);
    return {
      options,
      outputToRemoteMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length },
      ...batch,
      batchRatio: batch.oneJobSeconds > 0 ? batch.perFileSeconds / batch.oneJobSeconds : 0,
    };
  } finally {
    await engine.stop();
    await remotes.close();
    await rm(root, { recursive: true, force: true });
  }
}

/** Writes outputs one at a time under the outputs preset's watch rule and times each one's arrival. */
async function measureOutputs(engine: SyncEngine, remotes: RcloneRemotes, workspace: string, options: SyncBenchOptions): Promise<number[]> {
  await engine.createFromPreset("outputs", { remote: remotes.disk.name, remote_base: "bench" });
  const remoteDir = join(remotes.disk.root, "bench", "output");
  const latencies: number[] = [];

  for (let index = 0; index < options.outputs; index += 1) {
    const name = `ComfyUI_${String(index).padStart(5, "0")}_.png`;
    await writeFile(join(workspace, "ComfyUI", "output", name), randomBytes(options.outputBytes));
    const written = performance.now();
    await until(`${name} on the remote`, async () => (await sizeOf(join(remoteDir, name))) === options.outputBytes, 60_000);
    latencies.push(performance.now() - written);
  }
  return latencies;
}

/** Copies the same small files with one engine job, then with one `rclone copyto` per file. */
async function measureBatch(engine: SyncEngine, remotes: RcloneRemotes, workspace: string, count: number): Promise<Pick<SyncBenchResult, "oneJobSeconds" | "perFileSeconds" | "oneJobFilesOnRemote">> {
  const localDir = join(workspace, "batch");
  await mkdir(localDir, { recursive: true });
  const names = Array.from({ length: count }, (_, index) => `file-${String(index).padStart(5, "0")}.json`);
  for (const name of names) {
    await writeFile(join(localDir, name), randomBytes(1024));
  }

  const rule = await engine.createRule({
    name: "bench batch",
    local_path: "batch",
    remote: remotes.disk.name,
    remote_path: "bench/batch-one-job",
    direction: "push",
    method: "copy",
    trigger: { type: "manual" },
    filters: { include: [], exclude: [] },
    enabled: true,
  });
  const jobStarted = performance.now();
  const job = await engine.runRule(rule.id);
  const oneJobSeconds = (performance.now() - jobStarted) / 1000;
  if (job?.status !== "success") {
    throw new Error(`the batch job ended ${job?.status ?? "without a job"}: ${job?.error_message ?? ""}`);
  }
  const copied = await readdir(join(remotes.disk.root, "bench", "batch-one-job"));

  const perFileStarted = performance.now();
  for (const name of names) {
    await execa("rclone", ["copyto", join(localDir, name), `${remotes.disk.name}:bench/batch-per-file/${name}`], { env: remotes.env });
  }
  const perFileSeconds = (performance.now() - perFileStarted) / 1000;
  return { oneJobSeconds, perFileSeconds, oneJobFilesOnRemote: copied.length };
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch {
    return null;
  }
}

async function until(label: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${label}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
