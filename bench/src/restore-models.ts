/**
 * On-demand restore benchmark: time from the start of a restore to "ComfyUI online" on a fresh
 * workspace, with the user's remote holding no models (baseline) and then holding large sparse
 * model files in the on-demand folders (checkpoints, diffusion_models, loras). The models preset
 * leaves those folders to the prompt gate, so both runs should take about as long.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, open, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { createRootLogger } from "../../reporter/src/log/logger.js";
import { SyncEngine } from "../../reporter/src/sync/engine/sync-engine.js";

const SIMULATOR = fileURLToPath(new URL("../../tools/comfyui-sim/dist/main.mjs", import.meta.url));
const REMOTE = "backup";
const BASE = "comfycarry";

export interface RestoreModelsOptions {
  /** Total size of the sparse model files on the remote, in bytes. */
  modelBytes: number;
  /** Runs per case; the median is reported. */
  runs: number;
}

export interface RestoreModelsResult {
  /** Median ms from restore start to ComfyUI online, remote without models. */
  noModelsMs: number;
  /** The same with `modelBytes` of on-demand models on the remote. */
  onDemandMs: number;
  /** onDemandMs - noModelsMs. */
  differenceMs: number;
  /** onDemandMs / noModelsMs. */
  ratio: number;
  /** Model bytes on the remote and model bytes found locally once ComfyUI was online (on-demand case). */
  remoteModelBytes: number;
  localModelBytes: number;
}

/** Splits `total` bytes over the on-demand folders the way a typical library does: two checkpoints, one diffusion model, ten LoRAs. */
function modelFiles(total: number): Array<{ path: string; size: number }> {
  const unit = Math.floor(total / 20);
  const files = [
    { path: "checkpoints/sdxl/base.safetensors", size: unit * 6 },
    { path: "checkpoints/sd15/dreamshaper_8.safetensors", size: unit * 2 },
    { path: "diffusion_models/flux1-dev.safetensors", size: unit * 10 },
  ];
  for (let index = 0; index < 10; index += 1) {
    files.push({ path: `loras/style_${index}.safetensors`, size: Math.floor(unit * 0.2) });
  }
  return files;
}

/** Creates a sparse file: the size is set without writing data, so 20 GB costs no disk. */
async function sparseFile(path: string, size: number): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  const handle = await open(path, "w");
  try {
    await handle.truncate(size);
  } finally {
    await handle.close();
  }
}

/** Sums the local sizes of the remote's model files; a file not copied counts 0. */
async function copiedBytes(modelsDir: string, files: Array<{ path: string }>): Promise<number> {
  let total = 0;
  for (const file of files) {
    total += (await stat(join(modelsDir, file.path)).catch(() => null))?.size ?? 0;
  }
  return total;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitOnline(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`the ComfyUI simulator exited with ${child.exitCode} before /system_stats responded`);
    }
    const ok = await fetch(`${url}/system_stats`).then((response) => response.ok, () => false);
    if (ok) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`ComfyUI at ${url} timed out: /system_stats did not respond within 60 s`);
}

/** Restores a fresh workspace with the models preset, starts ComfyUI and returns the ms until /system_stats responds. */
async function restoreOnce(root: string, conf: string, label: string, files: Array<{ path: string }>): Promise<{ ms: number; localModelBytes: number }> {
  const workspace = join(root, `workspace-${label}`);
  const stateDir = join(root, `state-${label}`);
  await mkdir(join(workspace, "ComfyUI"), { recursive: true });
  const engine = new SyncEngine({ stateDir, workspaceDir: workspace, configPath: conf, log: createRootLogger({ level: "silent" }) });
  await engine.start();
  let child: ChildProcess | null = null;
  try {
    await engine.createFromPreset("models", { remote: REMOTE, remote_base: BASE });
    const started = performance.now();
    await engine.runRestore();
    const port = await freePort();
    child = spawn(process.execPath, [SIMULATOR, "--listen", "127.0.0.1", "--port", String(port), "--base-directory", join(workspace, "ComfyUI")], { stdio: "ignore" });
    await waitOnline(`http://127.0.0.1:${port}`, child);
    const ms = performance.now() - started;
    return { ms, localModelBytes: await copiedBytes(join(workspace, "ComfyUI", "models"), files) };
  } finally {
    child?.kill("SIGKILL");
    await engine.stop();
    await rm(workspace, { recursive: true, force: true });
    await rm(stateDir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

export async function runRestoreModelsBench(options: RestoreModelsOptions): Promise<RestoreModelsResult> {
  const root = await mkdtemp(join(tmpdir(), "cc-restore-models-"));
  try {
    const empty = join(root, "remote-empty");
    const full = join(root, "remote-models");
    // Both remotes hold the same small non-model folder, so the restore has work in both cases.
    for (const remote of [empty, full]) {
      await mkdir(join(remote, BASE, "models", "vae"), { recursive: true });
      await writeFile(join(remote, BASE, "models", "vae", "small-vae.safetensors"), Buffer.alloc(64 * 1024, 1));
    }
    const files = modelFiles(options.modelBytes);
    for (const file of files) {
      await sparseFile(join(full, BASE, "models", file.path), file.size);
    }
    const emptyConf = join(root, "empty.conf");
    const fullConf = join(root, "full.conf");
    await writeFile(emptyConf, `[${REMOTE}]\ntype = alias\nremote = ${empty}\n`);
    await writeFile(fullConf, `[${REMOTE}]\ntype = alias\nremote = ${full}\n`);

    // Alternate the cases so load from other work on the machine falls on both alike.
    const none: number[] = [];
    const onDemand: number[] = [];
    let localModelBytes = 0;
    for (let run = 0; run < options.runs; run += 1) {
      none.push((await restoreOnce(root, emptyConf, `none-${run}`, files)).ms);
      const measured = await restoreOnce(root, fullConf, `on-demand-${run}`, files);
      onDemand.push(measured.ms);
      localModelBytes = Math.max(localModelBytes, measured.localModelBytes);
    }
    const noModelsMs = median(none);
    const onDemandMs = median(onDemand);
    return {
      noModelsMs,
      onDemandMs,
      differenceMs: onDemandMs - noModelsMs,
      ratio: onDemandMs / noModelsMs,
      remoteModelBytes: files.reduce((sum, file) => sum + file.size, 0),
      localModelBytes,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
