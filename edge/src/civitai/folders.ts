/**
 * @module Where a CivitAI file would land under the models root, and its `?fileId=` download
 * link. The folder rules are shared with the reporter's download queue.
 */
import { civitaiFolder } from "@comfycarry/shared";

/** Folder for one file; LoRA-like models get a base-model subfolder such as `loras/SDXL 1.0`. */
export function fileFolder(modelType: string, fileType: string, baseModel: string | null): string {
  return civitaiFolder(modelType, fileType, baseModel);
}

/** The download API link of exactly one file, which CivitAI serves even when other selectors would not match. */
export function fileDownloadUrl(origin: string, versionId: number, fileId: number): string {
  const url = new URL(`/api/download/models/${versionId}`, origin);
  url.searchParams.set("fileId", String(fileId));
  return url.toString();
}
