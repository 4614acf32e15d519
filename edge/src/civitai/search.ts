/**
 * @module CivitAI model search from the edge: builds the `GET /api/v1/models` URL from the
 * `models.civitai.search` arguments, sends the owner's token to the CivitAI origin only, maps
 * the page (mapping shared with the reporter) and keeps it in the Workers cache for a while.
 * The cache key is the CivitAI URL without the token. Cloudflare keeps no Cache API entries on `*.workers.dev` hostnames,
 * so there every search goes to CivitAI; on a custom domain repeats come from the cache.
 */
import { ComfyCarryError, modelsCommands } from "@comfycarry/shared";
import { civitaiPageSchema, civitaiSearchResult, civitaiSearchUrl } from "@comfycarry/shared/civitai";
import type { z } from "zod";

import { EDGE_VERSION } from "../version.js";

const spec = modelsCommands["models.civitai.search"];
export type SearchArgs = z.infer<typeof spec.args>;
export type SearchResult = z.infer<typeof spec.result>;

/** CivitAI marks search pages cacheable for 300 s; a shorter life keeps new uploads visible sooner. */
export const CACHE_SECONDS = 120;
const TIMEOUT_MS = 15_000;

export interface SearchContext {
  /** CivitAI origin, e.g. https://civitai.com. */
  baseUrl: string;
  /** The owner's CivitAI API token, or null to search anonymously. */
  token: string | null;
}

/** Searches CivitAI, returning the cached result when the same search ran in the last {@link CACHE_SECONDS}. */
export async function searchCivitai(args: SearchArgs, context: SearchContext): Promise<SearchResult> {
  const url = civitaiSearchUrl(args, context.baseUrl);
  const cacheKey = new Request(url.toString());
  const cache = caches.default;
  const cached = await cache.match(cacheKey);
  if (cached !== undefined) {
    const hit = spec.result.safeParse(await cached.json());
    if (hit.success) {
      return hit.data;
    }
  }

  const result = await fetchPage(url, context.token);
  await cache.put(cacheKey, Response.json(result, { headers: { "Cache-Control": `max-age=${CACHE_SECONDS}` } }));
  return result;
}

async function fetchPage(url: URL, token: string | null): Promise<SearchResult> {
  const headers: Record<string, string> = { Accept: "application/json", "User-Agent": `ComfyCarry-edge/${EDGE_VERSION}` };
  if (token !== null && token !== "") {
    headers.Authorization = `Bearer ${token}`;
  }

  let response: Response;
  try {
    // `manual`: a redirect must not carry the token to another host, so it is an error instead.
    response = await fetch(url, { headers, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ComfyCarryError("download_failed", `CivitAI did not respond to the search (${reason}); try again later`, { reason: "http_error", host: url.host });
  }
  if (!response.ok) {
    throw await searchError(response, url);
  }

  const page = civitaiPageSchema.safeParse(await response.json().catch(() => null));
  if (!page.success) {
    throw new ComfyCarryError("download_failed", "CivitAI returned the search results in an unknown format", { reason: "http_error", host: url.host, status: response.status });
  }
  return civitaiSearchResult(page.data, url.origin);
}

async function searchError(response: Response, url: URL): Promise<ComfyCarryError> {
  const detail = (await response.text().catch(() => "")).slice(0, 300);
  const host = url.host;
  if (response.status === 400) {
    return new ComfyCarryError("invalid_arguments", `CivitAI rejected the search: ${detail}`);
  }
  if (response.status === 401 || response.status === 403) {
    return new ComfyCarryError("download_failed", `CivitAI rejected the search (HTTP ${response.status}); check the CivitAI token in Settings`, { reason: "token_required", host });
  }
  if (response.status === 429) {
    return new ComfyCarryError("download_failed", "CivitAI is rate limiting searches (429); wait a moment and search again", { reason: "rate_limited", host });
  }
  if (response.status >= 300 && response.status < 400) {
    return new ComfyCarryError("download_failed", `CivitAI redirected the search (HTTP ${response.status}); check CIVITAI_BASE_URL`, { reason: "http_error", host, status: response.status });
  }
  return new ComfyCarryError("download_failed", `CivitAI search failed with HTTP ${response.status}`, { reason: "http_error", host, status: response.status });
}
