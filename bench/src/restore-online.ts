/**
 * Time to "ComfyUI online" of the deploy engine's restore, with and without large models on
 * the remote. The models preset leaves the on-demand folders (checkpoints, diffusion_models,
 * loras) to the prompt gate, so both cases should reach the ready step's end at about the same
 * time and copy no byte of those folders.
 */
import { mkdir, open, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { deployRequestSchema } from "@comfycarry/shared";

import type { ComfyuiControl } from "../../reporter/src/comfyui-control/index.js";
import type { DeployEngine } from "../../reporter/src/deploy/engine.js";
import { ON_DEMAND_BY_DEFAULT } from "../../reporter/src/workflows/pull-policy.js";

/** The on-demand folders the bench fills; `unet` is only an older alias of diffusion_models. */
const MODEL_FOLDERS = ["checkpoints", "diffusion_models", "loras"] as const;

export interface OnlineCase {
  /** Median ms from the deploy's start to the end of its ready step. */
  medianMs: number;
  runsMs: number[];
}

export interface OnlineComparison {
  /** Remote without models in the on-demand folders. */
  noModels: OnlineCase;
  /** Remote with `remoteModelBytes` of sparse files in the on-demand folders. */
  onDemand: OnlineCase;
  /** onDemand.medianMs - noModels.medianMs. */
  differenceMs: number;
  /** onDemand.medianMs / noModels.medianMs. */
  ratio: number;
  remoteModelBytes: number;
  /** Largest sum of the remote's model bytes found locally when a deploy ended, over all runs. */
  copiedModelBytes: number;
  /** The files behind `copiedModelBytes`, to show what came down. */
  copiedModelFiles: string[];
  /** Bytes of the small folder that is restored in both cases (vae), found locally after each deploy. */
  restoredVaeBytes: number;
}

export interface OnlineTarget {
  /** Workspace paths and the remote name the restore deploys use. */
  workspace: string;
  comfyuiDir: string;
  remote: string;
  /** The remote's base folder on disk (the alias target plus `comfycarry`). */
  remoteBase: string;
  /** Scratch folder on the same file system, where the models wait while the remote has none. */
  parking: string;
  engine: DeployEngine;
  control: ComfyuiControl;
  /** Removes what a restore brings back (user folder, restored node packs). */
  reset: () => Promise<void>;
}

/** Splits `total` bytes the way a typical library does: two checkpoints, one diffusion model, ten LoRAs. */
export function modelFiles(total: number): Array<{ path: string; size: number }> {
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

/** Creates a sparse file. Truncate sets the size without writing data, so 20 GB costs no disk. */
async function sparseFile(path: string, size: number): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  const handle = await open(path, "w");
  try {
    await handle.truncate(size);
  } finally {
    await handle.close();
  }
}

/** Lists the files below `dir` with their sizes, or none when the folder is missing. */
async function filesBelow(dir: string): Promise<Array<{ path: string; size: number }>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files: Array<{ path: string; size: number }> = [];
  for (const entry of entries.filter((candidate) => candidate.isFile())) {
    const path = join(entry.parentPath, entry.name);
    files.push({ path, size: (await stat(path)).size });
  }
  return files;
}

/**
 * Lists the remote's model files found in the local models folder. Only those paths count,
 * because the ComfyUI simulator seeds its own placeholder checkpoint at start.
 */
async function remoteFilesPresent(modelsDir: string, remoteFiles: ReadonlyArray<{ path: string }>): Promise<Array<{ path: string; size: number }>> {
  const present: Array<{ path: string; size: number }> = [];
  for (const file of remoteFiles) {
    const path = join(modelsDir, file.path);
    const found = await stat(path).catch(() => null);
    if (found !== null) {
      present.push({ path, size: found.size });
    }
  }
  return present;
}

function totalSize(files: ReadonlyArray<{ size: number }>): number {
  return files.reduce((sum, file) => sum + file.size, 0);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * Writes `modelBytes` of sparse models under the remote's models folder (parked outside the
 * remote at first) and one small VAE that every restore copies.
 */
export async function prepareModels(target: Pick<OnlineTarget, "remoteBase" | "parking">, modelBytes: number): Promise<Array<{ path: string; size: number }>> {
  for (const folder of MODEL_FOLDERS) {
    if (!ON_DEMAND_BY_DEFAULT.includes(folder)) {
      throw new Error(`the bench expects ${folder} to be on-demand by default, but the pull policy restores it. Set MODEL_FOLDERS to folders whose default policy is on_demand.`);
    }
  }
  const files = modelFiles(modelBytes);
  for (const file of files) {
    await sparseFile(join(target.parking, file.path), file.size);
  }
  await mkdir(join(target.remoteBase, "models", "vae"), { recursive: true });
  await writeFile(join(target.remoteBase, "models", "vae", "small-vae.safetensors"), Buffer.alloc(64 * 1024, 1));
  return files;
}

/** Moves the model folders onto the remote or back to the parking folder. Both are renames, so no byte is copied. */
async function placeModels(target: OnlineTarget, onRemote: boolean): Promise<void> {
  for (const folder of MODEL_FOLDERS) {
    const parked = join(target.parking, folder);
    const remote = join(target.remoteBase, "models", folder);
    await rename(onRemote ? parked : remote, onRemote ? remote : parked);
  }
}

/** Runs one restore deploy into the emptied workspace and returns the ms to the ready step's end and the model files it brought. */
async function restoreToOnline(target: OnlineTarget, remoteFiles: ReadonlyArray<{ path: string }>): Promise<{ ms: number; modelFiles: Array<{ path: string; size: number }>; vaeBytes: number }> {
  await target.control.process.stop();
  await target.reset();
  await rm(join(target.comfyuiDir, "models"), { recursive: true, force: true });
  // The restore step's inputs are the same every run, so without this the engine would skip it.
  target.engine.store.forgetResult("restore");

  const startedAt = Date.now();
  const started = await target.engine.start(deployRequestSchema.parse({ mode: "restore", remote: target.remote, sync_presets: ["workflows", "user_settings", "node_snapshots", "models"] }));
  await target.engine.idle();
  const run = target.engine.status(started.deploy_id).deploy;
  const ready = run?.steps.find((step) => step.id === "ready");
  const restore = run?.steps.find((step) => step.id === "restore");
  if (run?.state !== "succeeded" || ready?.finished_at == null || restore?.state !== "done") {
    throw new Error(`the restore deploy ended ${run?.state ?? "without a run"} (restore step ${restore?.state ?? "missing"}): ${JSON.stringify(run?.steps.filter((step) => step.error !== null))}`);
  }
  // The workflows need on-demand models, so a models step that queues any has ignored the pull policy.
  const models = run.steps.find((step) => step.id === "models");
  if (models?.log.includes("no models to queue") !== true) {
    throw new Error(`the models step queued on-demand models during the restore: ${JSON.stringify(models?.log ?? [])}`);
  }

  const modelsDir = join(target.comfyuiDir, "models");
  return { ms: Date.parse(ready.finished_at) - startedAt, modelFiles: await remoteFilesPresent(modelsDir, remoteFiles), vaeBytes: totalSize(await filesBelow(join(modelsDir, "vae"))) };
}

/**
 * Runs `runs` restore deploys per case, alternating which case goes first in each round so
 * load from other work on the machine falls on both alike.
 */
export async function compareOnline(target: OnlineTarget, remoteFiles: ReadonlyArray<{ path: string; size: number }>, runs: number): Promise<OnlineComparison> {
  const none: number[] = [];
  const onDemand: number[] = [];
  let copied: Array<{ path: string; size: number }> = [];
  let restoredVaeBytes = Number.POSITIVE_INFINITY;

  for (let round = 0; round < runs; round += 1) {
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const withModels of order) {
      if (withModels) {
        await placeModels(target, true);
      }
      try {
        const measured = await restoreToOnline(target, remoteFiles);
        (withModels ? onDemand : none).push(measured.ms);
        if (totalSize(measured.modelFiles) > totalSize(copied)) {
          copied = measured.modelFiles;
        }
        restoredVaeBytes = Math.min(restoredVaeBytes, measured.vaeBytes);
      } finally {
        if (withModels) {
          await placeModels(target, false);
        }
      }
    }
  }

  const noModelsMs = median(none);
  const onDemandMs = median(onDemand);
  return {
    noModels: { medianMs: noModelsMs, runsMs: none },
    onDemand: { medianMs: onDemandMs, runsMs: onDemand },
    differenceMs: onDemandMs - noModelsMs,
    ratio: noModelsMs > 0 ? onDemandMs / noModelsMs : 0,
    remoteModelBytes: totalSize(remoteFiles),
    copiedModelBytes: totalSize(copied),
    copiedModelFiles: copied.map((file) => file.path),
    restoredVaeBytes: Number.isFinite(restoredVaeBytes) ? restoredVaeBytes : 0,
  };
}

/** Checks the target: the on-demand case reaches ComfyUI online within 5 % or 1 s of the model-free case. */
export function withinOnlineTarget(comparison: OnlineComparison): boolean {
  return comparison.differenceMs <= Math.max(1000, comparison.noModels.medianMs * 0.05);
}
