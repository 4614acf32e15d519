import { stat } from "node:fs/promises";
import { join } from "node:path";

import { assertFits, freeBytes } from "./disk-space.js";
import { DownloadFailure } from "./failure.js";
import type { NormalisedLink } from "./links.js";
import { prepareTargetDir, targetFile } from "./model-folders.js";
import type { JobRecord, QueueStore } from "./queue-store.js";
import type { ResolvedSource } from "./resolve-source.js";
import type { DownloadPreview, Duplicate } from "./schemas.js";

export interface PreviewInput {
  link: NormalisedLink;
  resolved: ResolvedSource;
  modelsRoot: string;
  /** User override of the guessed folder. */
  folder: string | undefined;
  civitaiFileId: number | null;
  store: QueueStore;
  /** Path of an installed model with this SHA-256, from the local library index; null if none. */
  installedFileWithHash: (sha256: string) => string | null;
}

/** Builds the confirmation view of a resolved link: target, size, free space and duplicates. */
export async function buildPreview(input: PreviewInput): Promise<DownloadPreview> {
  const folder = input.folder ?? input.resolved.folder;
  const dir = await prepareTargetDir(input.modelsRoot, folder);
  const finalPath = targetFile(dir, input.resolved.fileName);
  const free = await freeBytes(dir);
  let fits = true;
  if (input.resolved.totalBytes !== null) {
    try {
      assertFits(input.resolved.totalBytes, 0, free, dir);
    } catch (error) {
      if (!(error instanceof DownloadFailure)) {
        throw error;
      }
      fits = false;
    }
  }

  return {
    source_kind: input.link.kind,
    url: input.link.url,
    file_name: input.resolved.fileName,
    folder,
    total_bytes: input.resolved.totalBytes,
    sha256: input.resolved.sha256,
    free_bytes: free,
    fits,
    duplicates: await findDuplicates(input, folder, finalPath),
  };
}

async function findDuplicates(input: PreviewInput, folder: string, finalPath: string): Promise<Duplicate[]> {
  const duplicates: Duplicate[] = [];
  const sha = input.resolved.sha256;
  for (const job of input.store.list()) {
    if (!(await countsAsCopy(job, input.modelsRoot))) {
      continue;
    }
    if (job.url === input.link.url && job.civitai_file_id === input.civitaiFileId) {
      duplicates.push({ reason: "same_url", job_id: job.id, path: null });
    } else if (job.folder === folder && job.file_name === input.resolved.fileName && job.status !== "completed") {
      duplicates.push({ reason: "same_target", job_id: job.id, path: null });
    } else if (sha !== null && job.sha256 === sha) {
      duplicates.push({ reason: "same_hash", job_id: job.id, path: null });
    }
  }

  if (await stat(finalPath).then(() => true, () => false)) {
    duplicates.push({ reason: "same_target", job_id: null, path: finalPath });
  }
  const installed = sha === null ? null : input.installedFileWithHash(sha);
  if (installed !== null && installed !== finalPath) {
    duplicates.push({ reason: "same_hash", job_id: null, path: installed });
  }
  return duplicates;
}

/**
 * Checks whether a job still counts as a copy of its file. A queued, running or paused job
 * does. A completed job counts only while its file is in place at its downloaded size,
 * because the user may have deleted or replaced the file since.
 */
async function countsAsCopy(job: JobRecord, modelsRoot: string): Promise<boolean> {
  if (job.status === "canceled" || job.status === "failed") {
    return false;
  }
  if (job.status !== "completed") {
    return true;
  }
  if (job.file_name === null) {
    return false;
  }

  const info = await stat(join(modelsRoot, job.folder, job.file_name)).catch(() => null);
  return info !== null && info.isFile() && (job.total_bytes === null || info.size === job.total_bytes);
}
