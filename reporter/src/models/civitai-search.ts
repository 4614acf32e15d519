import { LRUCache } from "lru-cache";
import { z } from "zod";

import { ComfyCarryError } from "@comfycarry/shared";
import type { CivitaiModel, CommandArgs, CommandResultData } from "@comfycarry/shared";

import type { HostRegistry, TokenSource } from "../downloads/hosts.js";
import { civitaiFileView } from "../downloads/civitai-meta.js";

// The dashboard no longer uses this command: the Models page searches through the edge route
// `GET /api/civitai/search` (edge/src/routes/civitai.ts), which needs no instance online. The
// command stays for API callers and scripts; keep its arguments and result in step with the edge.

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

const pageSchema = z.object({
  items: z.array(z.unknown()),
  metadata: z.object({ nextCursor: z.union([z.string(), z.number()]).nullish() }).partial().optional(),
});

export type SearchArgs = CommandArgs<"models.civitai.search">;
export type SearchResult = CommandResultData<"models.civitai.search">;

export interface CivitaiSearchOptions {
  baseUrl: string;
  hosts: HostRegistry;
  tokens: TokenSource;
  userAgent: string;
  timeoutMs: number;
  /** How long a result page is reused, in ms. CivitAI marks these responses cacheable for 300 s. */
  cacheTtlMs?: number;
}

/** CivitAI model search (`GET /api/v1/models`) with type, base model and sort filters and a short-lived cache. */
export class CivitaiSearch {
  private readonly cache: LRUCache<string, SearchResult>;

  constructor(private readonly options: CivitaiSearchOptions) {
    this.cache = new LRUCache({ max: 200, ttl: options.cacheTtlMs ?? 60_000 });
  }

  async search(args: SearchArgs, signal?: AbortSignal): Promise<SearchResult> {
    const url = this.searchUrl(args);
    const cached = this.cache.get(url.toString());
    if (cached !== undefined) {
      return cached;
    }

    const response = await fetch(url, {
      headers: { Accept: "application/json", "User-Agent": this.options.userAgent, ...this.options.hosts.authHeaders(url, this.options.tokens) },
      redirect: "error",
      signal: signal === undefined ? AbortSignal.timeout(this.options.timeoutMs) : AbortSignal.any([signal, AbortSignal.timeout(this.options.timeoutMs)]),
    });
    if (!response.ok) {
      throw await searchError(response);
    }
    const page = pageSchema.parse(await response.json());
    const items = page.items.flatMap((raw) => {
      const item = itemSchema.safeParse(raw);
      return item.success ? [toModel(item.data, url.origin)] : [];
    });
    const next = page.metadata?.nextCursor;
    const result = { items, next_cursor: next === undefined || next === null ? null : String(next) };
    this.cache.set(url.toString(), result);
    return result;
  }

  private searchUrl(args: SearchArgs): URL {
    const url = new URL("/api/v1/models", this.options.baseUrl);
    url.searchParams.set("limit", String(args.limit));
    if (args.query !== undefined && args.query.trim() !== "") {
      url.searchParams.set("query", args.query.trim());
    }
    // CivitAI validates `types` as one enum value per parameter, so several types repeat it.
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
}

function toModel(item: z.infer<typeof itemSchema>, origin: string): CivitaiModel {
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
      preview_url: version.images?.find((image) => image.type === undefined || image.type === "image")?.url ?? null,
      files: (version.files ?? []).map((file) => civitaiFileView(file, { origin, id: version.id, modelType: item.type, baseModel: version.baseModel ?? null })),
    })),
  };
}

async function searchError(response: Response): Promise<ComfyCarryError> {
  const body = await response.text().catch(() => "");
  const detail = body.slice(0, 300);
  if (response.status === 400) {
    return new ComfyCarryError("invalid_arguments", `CivitAI rejected the search: ${detail}`, {});
  }
  if (response.status === 429) {
    return new ComfyCarryError("download_failed", "CivitAI is rate limiting searches (429); wait a moment and search again", { reason: "rate_limited", host: new URL(response.url || "https://civitai.com").host });
  }
  return new ComfyCarryError("download_failed", `CivitAI search failed with HTTP ${response.status}`, { reason: "http_error", status: response.status });
}
