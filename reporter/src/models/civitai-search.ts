import { LRUCache } from "lru-cache";

import { ComfyCarryError } from "@comfycarry/shared";
import type { CommandArgs, CommandResultData } from "@comfycarry/shared";
import { civitaiPageSchema, civitaiSearchResult, civitaiSearchUrl } from "@comfycarry/shared/civitai";

import type { HostRegistry, TokenSource } from "../downloads/hosts.js";

// The dashboard no longer uses this command: the Models page searches through the edge route
// `GET /api/civitai/search` (edge/src/routes/civitai.ts), which needs no instance online. The
// command stays for API callers and scripts. Its URL and page mapping are the edge's too
// (@comfycarry/shared/civitai), so both return the same result for a search.

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
    const url = civitaiSearchUrl(args, this.options.baseUrl);
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
    const result = civitaiSearchResult(civitaiPageSchema.parse(await response.json()), url.origin);
    this.cache.set(url.toString(), result);
    return result;
  }
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
