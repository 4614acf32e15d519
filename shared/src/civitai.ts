/**
 * @module CivitAI's model and file entries, read leniently, and their mapping to the wire shape
 * of `models.civitai.search`. The edge searches CivitAI for the dashboard, and the reporter
 * resolves download links. Both must show a file with the same folder and link, so the mapping
 * lives here once. CivitAI adds and drops fields without notice, so an item that does not
 * parse is left out rather than failing a whole page.
 *
 * Not exported from the package index, so the dashboard bundle does not carry these schemas:
 * import `@comfycarry/shared/civitai`.
 */
import { z } from "zod";

import type { CommandArgs } from "./commands.js";
import { civitaiFolder } from "./model-folders.js";
import type { CivitaiFile, CivitaiModel } from "./models.js";

const SHA256 = /^[0-9a-fA-F]{64}$/;

/** One file of a model version. `metadata.size` (`full`, `pruned`) is a link selector. */
export const civitaiFileEntrySchema = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  type: z.string(),
  sizeKB: z.number().nonnegative(),
  primary: z.boolean().optional(),
  metadata: z.object({ format: z.string().nullish(), size: z.string().nullish(), fp: z.string().nullish() }).partial().nullish(),
  hashes: z.object({ SHA256: z.string().optional() }).partial().nullish(),
});
export type CivitaiFileEntry = z.infer<typeof civitaiFileEntrySchema>;

const versionSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  baseModel: z.string().nullish(),
  publishedAt: z.string().nullish(),
  trainedWords: z.array(z.string()).optional(),
  images: z.array(z.object({ url: z.string(), type: z.string().optional() })).optional(),
  files: z.array(civitaiFileEntrySchema).optional(),
});

const itemSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  type: z.string(),
  nsfw: z.boolean().optional(),
  creator: z.object({ username: z.string().nullish() }).nullish(),
  stats: z.object({ downloadCount: z.number().nonnegative().optional() }).partial().nullish(),
  tags: z.array(z.string()).optional(),
  modelVersions: z.array(versionSchema),
});
type Item = z.infer<typeof itemSchema>;

/** The envelope of a `GET /api/v1/models` page; items are checked one by one in {@link civitaiSearchResult}. */
export const civitaiPageSchema = z.object({
  items: z.array(z.unknown()),
  metadata: z.object({ nextCursor: z.union([z.string(), z.number()]).nullish() }).partial().optional(),
});

/** Builds the download API link of exactly one file, which CivitAI serves even when other selectors would not match. */
export function civitaiFileDownloadUrl(origin: string, versionId: number, fileId: number): string {
  const url = new URL(`/api/download/models/${versionId}`, origin);
  url.searchParams.set("fileId", String(fileId));
  return url.toString();
}

/** Returns a file's SHA-256 in lowercase, or null when CivitAI has none or a malformed one. */
export function civitaiSha256(file: CivitaiFileEntry): string | null {
  const sha = file.hashes?.SHA256;
  return sha !== undefined && SHA256.test(sha) ? sha.toLowerCase() : null;
}

/** Picks the folder a file lands in: the model type's folder for model files, the companion's own folder for a VAE or text encoder. */
export function civitaiFileFolder(modelType: string, fileType: string, baseModel: string | null): string {
  return civitaiFolder(modelType, fileType === "Model" || fileType === "Pruned Model" ? null : fileType, baseModel);
}

/** Maps a file entry to its wire view, with the folder the download queue would pick for it. */
export function civitaiFileView(file: CivitaiFileEntry, version: { origin: string; id: number; modelType: string; baseModel: string | null }): CivitaiFile {
  return {
    id: file.id,
    name: file.name,
    type: file.type,
    size_bytes: Math.round(file.sizeKB * 1024),
    primary: file.primary === true,
    sha256: civitaiSha256(file),
    format: file.metadata?.format ?? null,
    fp: file.metadata?.fp ?? null,
    folder: civitaiFileFolder(version.modelType, file.type, version.baseModel),
    download_url: civitaiFileDownloadUrl(version.origin, version.id, file.id),
  };
}

function toModel(item: Item, origin: string): CivitaiModel {
  return {
    id: item.id,
    name: item.name,
    type: item.type,
    nsfw: item.nsfw === true,
    creator: item.creator?.username ?? null,
    download_count: Math.trunc(item.stats?.downloadCount ?? 0),
    tags: item.tags ?? [],
    versions: item.modelVersions.map((version) => ({
      id: version.id,
      name: version.name,
      base_model: version.baseModel ?? null,
      published_at: version.publishedAt ?? null,
      trained_words: version.trainedWords ?? [],
      // Videos have no still to show as a thumbnail.
      preview_url: version.images?.find((image) => image.type === undefined || image.type === "image")?.url ?? null,
      files: (version.files ?? []).map((file) => civitaiFileView(file, { origin, id: version.id, modelType: item.type, baseModel: version.baseModel ?? null })),
    })),
  };
}

/** Maps a parsed page; `origin` is the CivitAI origin the download links point at. */
export function civitaiSearchResult(page: z.infer<typeof civitaiPageSchema>, origin: string): { items: CivitaiModel[]; next_cursor: string | null } {
  const items = page.items.flatMap((raw) => {
    const item = itemSchema.safeParse(raw);
    return item.success ? [toModel(item.data, origin)] : [];
  });
  const next = page.metadata?.nextCursor;
  return { items, next_cursor: next === undefined || next === null ? null : String(next) };
}

/** Builds the `GET /api/v1/models` URL for a search. Several types or base models repeat the parameter, as CivitAI's enum validation expects. */
export function civitaiSearchUrl(args: CommandArgs<"models.civitai.search">, baseUrl: string): URL {
  const url = new URL("/api/v1/models", baseUrl);
  url.searchParams.set("limit", String(args.limit));
  const query = args.query?.trim() ?? "";
  if (query !== "") {
    url.searchParams.set("query", query);
  }
  for (const type of args.types ?? []) {
    url.searchParams.append("types", type);
  }
  for (const base of args.base_models ?? []) {
    url.searchParams.append("baseModels", base);
  }
  if (args.sort !== undefined) {
    url.searchParams.set("sort", args.sort);
  }
  url.searchParams.set("nsfw", args.nsfw === true ? "true" : "false");
  if (args.cursor !== undefined) {
    url.searchParams.set("cursor", args.cursor);
  }
  return url;
}
