import { z } from "zod";

import type { CivitaiInfo } from "@comfycarry/shared";

import type { HostRegistry, TokenSource } from "../downloads/hosts.js";
import { plainFetch } from "../http/plain-fetch.js";
import type { PlainResponse } from "../http/plain-fetch.js";

const versionSchema = z.object({
  id: z.number().int(),
  modelId: z.number().int(),
  name: z.string(),
  baseModel: z.string().nullable().optional(),
  trainedWords: z.array(z.string()).optional(),
  model: z.object({ name: z.string(), type: z.string() }),
  images: z.array(z.object({ url: z.string(), type: z.string().optional() })).optional(),
});

export interface LookupContext {
  /** CivitAI site, e.g. https://civitai.com. */
  baseUrl: string;
  hosts: HostRegistry;
  tokens: TokenSource;
  userAgent: string;
  timeoutMs: number;
}

export type LookupResult = { state: "found"; info: CivitaiInfo } | { state: "not_found" } | { state: "error"; message: string };

/**
 * Looks a SHA-256 up with CivitAI's `/api/v1/model-versions/by-hash/{hash}`. A 404 means
 * CivitAI does not know the file; any other failure is an error the library retries later.
 */
export async function lookUpHash(sha256: string, context: LookupContext): Promise<LookupResult> {
  const url = new URL(`/api/v1/model-versions/by-hash/${sha256}`, context.baseUrl);
  let response: PlainResponse;
  try {
    response = await plainFetch(url, {
      headers: { Accept: "application/json", "User-Agent": context.userAgent, ...context.hosts.authHeaders(url, context.tokens) },
      redirect: "error",
      signal: AbortSignal.timeout(context.timeoutMs),
    });
  } catch (error) {
    return { state: "error", message: error instanceof Error ? error.message : String(error) };
  }
  if (response.status === 404) {
    return { state: "not_found" };
  }
  if (!response.ok) {
    return { state: "error", message: `CivitAI returned HTTP ${response.status} for a hash lookup` };
  }

  const parsed = versionSchema.safeParse(await response.json().catch(() => null));
  if (!parsed.success) {
    return { state: "error", message: "CivitAI's hash lookup returned an unexpected body" };
  }
  const version = parsed.data;
  const preview = version.images?.find((image) => image.type === undefined || image.type === "image")?.url ?? null;
  return {
    state: "found",
    info: {
      model_id: version.modelId,
      model_name: version.model.name,
      model_type: version.model.type,
      version_id: version.id,
      version_name: version.name,
      base_model: version.baseModel ?? null,
      trained_words: version.trainedWords ?? [],
      preview_url: preview,
      page_url: `${context.baseUrl}/models/${version.modelId}?modelVersionId=${version.id}`,
    },
  };
}
