/**
 * @module CivitAI's `GET /api/v1/models` page, parsed leniently, and its mapping to the wire
 * shape of `models.civitai.search`. An item that does not parse is left out rather than
 * failing the whole page, because CivitAI adds and drops fields without notice.
 */
import type { CivitaiFile, CivitaiModel } from "@comfycarry/shared";
import { z } from "zod";

import { fileDownloadUrl, fileFolder } from "./folders.js";

const fileSchema = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  type: z.string(),
  sizeKB: z.number().nonnegative(),
  primary: z.boolean().optional(),
  metadata: z.object({ format: z.string().nullish(), fp: z.string().nullish() }).partial().nullish(),
  hashes: z.object({ SHA256: z.string().optional() }).partial().nullish(),
});

const itemSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  type: z.string(),
  nsfw: z.boolean().optional(),
  creator: z.object({ username: z.string().nullish() }).nullish(),
  stats: z.object({ downloadCount: z.number().nonnegative().optional() }).partial().nullish(),
  tags: z.array(z.string()).optional(),
  modelVersions: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      baseModel: z.string().nullish(),
      publishedAt: z.string().nullish(),
      trainedWords: z.array(z.string()).optional(),
      images: z.array(z.object({ url: z.string(), type: z.string().optional() })).optional(),
      files: z.array(fileSchema).optional(),
    }),
  ),
});

/** The envelope of a search page; items are checked one by one in {@link toSearchResult}. */
export const pageSchema = z.object({
  items: z.array(z.unknown()),
  metadata: z.object({ nextCursor: z.union([z.string(), z.number()]).nullish() }).partial().optional(),
});

type Item = z.infer<typeof itemSchema>;
type Version = Item["modelVersions"][number];

function toFile(file: z.infer<typeof fileSchema>, item: Item, version: Version, origin: string): CivitaiFile {
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
    folder: fileFolder(item.type, file.type, version.baseModel ?? null),
    download_url: fileDownloadUrl(origin, version.id, file.id),
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
      files: (version.files ?? []).map((file) => toFile(file, item, version, origin)),
    })),
  };
}

/** Maps a parsed page; `origin` is the CivitAI origin the download links point at. */
export function toSearchResult(page: z.infer<typeof pageSchema>, origin: string): { items: CivitaiModel[]; next_cursor: string | null } {
  const items = page.items.flatMap((raw) => {
    const item = itemSchema.safeParse(raw);
    return item.success ? [toModel(item.data, origin)] : [];
  });
  const next = page.metadata?.nextCursor;
  return { items, next_cursor: next === undefined || next === null ? null : String(next) };
}
