/**
 * Ways to fetch one missing model file: from the user's remote (where the models sync rule
 * keeps the previous instance's copy) or from the source the workflow names.
 */
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

import type { DownloadJob, ManifestModel } from "@comfycarry/shared";

import type { Logger } from "../../log/logger.js";
import { runRclone } from "../../sync/rclone/runner.js";
import type { RcloneEnvironment } from "../../sync/rclone/runner.js";
import { FOLDER_ALIASES, FOLDER_DEFAULTS } from "../../models/folders.js";

/** Fetches a model to its place under `models`; rejects with a reason a user can read. */
export type Puller = (model: ManifestModel, signal: AbortSignal) => Promise<void>;

/** Location of the models sync rule's remote copy: `<remote>:<path>` mirrors `<ComfyUI>/models`. */
export interface ModelsRemote {
  environment: RcloneEnvironment;
  remote: string;
  remotePath: string;
}

function subdirsOf(folder: string): string[] {
  const key = FOLDER_ALIASES[folder] ?? folder;
  return FOLDER_DEFAULTS[key] ?? [key];
}

/**
 * Copies the file from the remote. ComfyUI reads some folders under two names (`unet` and
 * `diffusion_models`), so each name is tried in turn; the file lands under the same name locally.
 * rclone writes to a `.partial` name first, so ComfyUI never lists a half-copied model.
 */
export function remotePuller(modelsDir: string, remote: () => Promise<ModelsRemote | null>, log: Logger): Puller {
  return async (model, signal) => {
    const source = await remote();
    if (source === null || model.folder === null) {
      throw new Error("no models sync rule names a remote copy");
    }
    const failures: string[] = [];
    for (const subdir of subdirsOf(model.folder)) {
      const from = `${source.remote}:${source.remotePath}/${subdir}/${model.name}`;
      const to = join(modelsDir, subdir, model.name);
      const partial = join(dirname(to), `.${basename(to)}.partial`);
      await mkdir(dirname(to), { recursive: true });
      // No "--" before the paths: runRclone appends its own flags after them. Neither path can start
      // with "-", because the remote name is validated and the local path is absolute.
      const run = await runRclone(source.environment, ["copyto", from, partial], { signal, remoteLabel: source.remote, stallMs: 120_000, log });
      if (run.ok && (await stat(partial).catch(() => null)) !== null) {
        await rename(partial, to);
        log.info({ folder: model.folder, name: model.name, from: `${source.remote}:${source.remotePath}/${subdir}` }, "model pulled from the remote");
        return;
      }
      await rm(partial, { force: true });
      failures.push(run.failure?.message ?? run.errorLines.at(-1) ?? `rclone exited with ${String(run.exitCode)}`);
    }
    throw new Error(`not on the remote ${source.remote}:${source.remotePath}: ${failures.join("; ")}`);
  };
}

/** The part of the download queue the source puller uses. */
export interface QueueAccess {
  add(request: { url: string; folder: string }): Promise<{ outcome: "added"; job: DownloadJob } | { outcome: "duplicate" } | { outcome: "refused"; error: { code: string; message: string } }>;
  /** Calls `listener` on every job change until the returned function is called. */
  watch(listener: (job: DownloadJob) => void): () => void;
}

/** Downloads the file from the first source the manifest lists, through the download queue and its checks. */
export function sourcePuller(queue: QueueAccess | null): Puller {
  return async (model, signal) => {
    const source = model.sources.find((candidate) => candidate.kind !== "remote");
    if (queue === null || source === undefined || model.folder === null) {
      throw new Error(queue === null ? "the download queue is not running" : "no source is known for this model; search CivitAI or Hugging Face for it");
    }
    const subfolder = dirname(model.name);
    const folder = subfolder === "." ? model.folder : `${model.folder}/${subfolder}`;

    let unwatch = (): void => undefined;
    const finished = new Promise<void>((resolve, reject) => {
      let jobId: string | null = null;
      unwatch = queue.watch((job) => {
        if (job.id !== jobId) {
          return;
        }
        if (job.status === "completed") {
          resolve();
        } else if (job.status === "failed" || job.status === "canceled") {
          reject(new Error(job.error?.message ?? `download ${job.status}`));
        }
      });
      signal.addEventListener("abort", () => reject(new Error("canceled")), { once: true });
      queue
        .add({ url: source.url, folder })
        .then((added) => {
          if (added.outcome === "added") {
            jobId = added.job.id;
            if (added.job.status === "completed") {
              resolve();
            }
          } else if (added.outcome === "duplicate") {
            resolve();
          } else {
            reject(new Error(added.error.message));
          }
        })
        .catch(reject);
    });
    try {
      await finished;
    } finally {
      unwatch();
    }
  };
}

/** Tries each puller in order and returns at the first success; the error lists every failure. */
export function firstOf(pullers: Puller[]): Puller {
  return async (model, signal) => {
    const reasons: string[] = [];
    for (const pull of pullers) {
      try {
        await pull(model, signal);
        return;
      } catch (error) {
        reasons.push(error instanceof Error ? error.message : String(error));
      }
    }
    throw new Error(reasons.join("; then "));
  };
}
