import { z } from "zod";

import type { CivitaiFile as CivitaiFileView } from "@comfycarry/shared";

import { DownloadFailure } from "./failure.js";
import type { HostRegistry, TokenSource } from "./hosts.js";
import { downloadUrl } from "./links.js";
import type { CivitaiSelectors } from "./links.js";
import { civitaiFolder } from "./target-folder.js";

const fileSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  type: z.string(),
  sizeKB: z.number().nonnegative(),
  primary: z.boolean().optional(),
  metadata: z.object({ format: z.string().optional(), size: z.string().optional(), fp: z.string().optional() }).partial().optional(),
  hashes: z.object({ SHA256: z.string().optional() }).partial().optional(),
});
type CivitaiFile = z.infer<typeof fileSchema>;

const versionSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  baseModel: z.string().nullable().optional(),
  model: z.object({ name: z.string(), type: z.string() }),
  files: z.array(fileSchema),
});

const modelSchema = z.object({ modelVersions: z.array(z.object({ id: z.number().int() })) });

/** CivitAI's metadata of the file a link points at. */
export interface CivitaiFileMeta {
  versionId: number;
  fileId: number;
  downloadUrl: string;
  fileName: string;
  totalBytes: number;
  sha256: string | null;
  folder: string;
  /** Every file of the version, so the user can pick several. */
  files: CivitaiFileView[];
}

/** The fields of a CivitAI file entry that the dashboard shows. */
export interface CivitaiFileEntry {
  id: number;
  name: string;
  type: string;
  sizeKB: number;
  primary?: boolean | undefined;
  metadata?: { format?: string | null | undefined; fp?: string | null | undefined } | null | undefined;
  hashes?: { SHA256?: string | undefined } | null | undefined;
}

/** Maps a CivitAI file entry to its wire view, with the folder the queue would pick for it. */
export function civitaiFileView(file: CivitaiFileEntry, version: { origin: string; id: number; modelType: string; baseModel: string | null }): CivitaiFileView {
  const sha = file.hashes?.SHA256;
  return {
    id: file.id,
    name: file.name,
    type: file.type,
    size_bytes: Math.round(file.sizeKB * 1024),
    primary: file.primary === true,
    sha256: sha !== undefined && /^[0-9a-fA-F]{64}$/.test(sha) ? sha.toLowerCase() : null,
    format: file.metadata?.format ?? null,
    fp: file.metadata?.fp ?? null,
    folder: fileFolder(version.modelType, file.type, version.baseModel),
    download_url: downloadUrl(version.origin, version.id, { fileId: file.id }),
  };
}

/** Picks the folder of one file: the model type's folder for model files, the companion's own folder for a VAE or text encoder. */
function fileFolder(modelType: string, fileType: string, baseModel: string | null): string {
  return civitaiFolder(modelType, fileType === "Model" || fileType === "Pruned Model" ? null : fileType, baseModel);
}

export interface CivitaiMetaContext {
  hosts: HostRegistry;
  tokens: TokenSource;
  userAgent: string;
  timeoutMs: number;
}

/**
 * Looks up the version (the newest one for a bare model page) and the file a link selects,
 * and returns a `?fileId=` download URL, which CivitAI serves even when metadata selectors
 * would 404.
 */
export async function civitaiFileMeta(
  origin: string,
  ids: { modelId: number | null; versionId: number | null },
  selectors: CivitaiSelectors,
  context: CivitaiMetaContext,
): Promise<CivitaiFileMeta> {
  let versionId = ids.versionId;
  if (versionId === null) {
    const model = modelSchema.parse(await getJson(`${origin}/api/v1/models/${ids.modelId ?? 0}`, context));
    versionId = model.modelVersions[0]?.id ?? null;
    if (versionId === null) {
      throw new DownloadFailure("not_found", `CivitAI model ${ids.modelId} has no downloadable version`, { model_id: ids.modelId });
    }
  }

  const version = versionSchema.parse(await getJson(`${origin}/api/v1/model-versions/${versionId}`, context));
  const file = pickFile(version.files, selectors);
  if (file === null) {
    throw new DownloadFailure("not_found", `CivitAI version ${versionId} has no file matching the link`, { version_id: versionId });
  }
  const sha = file.hashes?.SHA256;
  return {
    versionId,
    fileId: file.id,
    downloadUrl: downloadUrl(origin, versionId, { fileId: file.id }),
    fileName: file.name,
    totalBytes: Math.round(file.sizeKB * 1024),
    sha256: sha !== undefined && /^[0-9a-fA-F]{64}$/.test(sha) ? sha.toLowerCase() : null,
    folder: fileFolder(version.model.type, file.type, version.baseModel ?? null),
    files: version.files.map((entry) => civitaiFileView(entry, { origin, id: versionId, modelType: version.model.type, baseModel: version.baseModel ?? null })),
  };
}

function pickFile(files: CivitaiFile[], selectors: CivitaiSelectors): CivitaiFile | null {
  if (selectors.fileId !== undefined) {
    return files.find((file) => file.id === selectors.fileId) ?? null;
  }
  const matching = files.filter(
    (file) =>
      (selectors.type === undefined || file.type === selectors.type) &&
      (selectors.format === undefined || file.metadata?.format === selectors.format) &&
      (selectors.size === undefined || file.metadata?.size === selectors.size) &&
      (selectors.fp === undefined || file.metadata?.fp === selectors.fp),
  );
  return matching.find((file) => file.primary === true) ?? matching[0] ?? null;
}

async function getJson(url: string, context: CivitaiMetaContext): Promise<unknown> {
  const target = new URL(url);
  const response = await fetch(target, {
    headers: { "User-Agent": context.userAgent, Accept: "application/json", ...context.hosts.authHeaders(target, context.tokens) },
    redirect: "error",
    signal: AbortSignal.timeout(context.timeoutMs),
  });
  if (response.status === 404) {
    throw new DownloadFailure("not_found", `CivitAI has no ${target.pathname.replace("/api/v1/", "")}`, { url: target.pathname });
  }
  if (response.status === 429) {
    throw new DownloadFailure("rate_limited", "CivitAI is rate limiting requests; the download will be retried later", {}, true);
  }
  if (!response.ok) {
    throw new DownloadFailure("http_error", `CivitAI returned HTTP ${response.status} for ${target.pathname}`, { status: response.status }, response.status >= 500);
  }
  return response.json();
}
