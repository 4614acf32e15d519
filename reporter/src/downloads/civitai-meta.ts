import { z } from "zod";

import type { CivitaiFile as CivitaiFileView } from "@comfycarry/shared";
import { civitaiFileDownloadUrl, civitaiFileEntrySchema, civitaiFileFolder, civitaiFileView, civitaiSha256 } from "@comfycarry/shared/civitai";
import type { CivitaiFileEntry } from "@comfycarry/shared/civitai";

import { DownloadFailure } from "./failure.js";
import type { HostRegistry, TokenSource } from "./hosts.js";
import type { CivitaiSelectors } from "./links.js";

const versionSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  baseModel: z.string().nullable().optional(),
  model: z.object({ name: z.string(), type: z.string() }),
  files: z.array(civitaiFileEntrySchema),
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
  return {
    versionId,
    fileId: file.id,
    downloadUrl: civitaiFileDownloadUrl(origin, versionId, file.id),
    fileName: file.name,
    totalBytes: Math.round(file.sizeKB * 1024),
    sha256: civitaiSha256(file),
    folder: civitaiFileFolder(version.model.type, file.type, version.baseModel ?? null),
    files: version.files.map((entry) => civitaiFileView(entry, { origin, id: versionId, modelType: version.model.type, baseModel: version.baseModel ?? null })),
  };
}

function pickFile(files: CivitaiFileEntry[], selectors: CivitaiSelectors): CivitaiFileEntry | null {
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
