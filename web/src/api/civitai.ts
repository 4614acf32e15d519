import { modelsCommands } from "@comfycarry/shared";

import { requestJson } from "./client";

import type { z } from "zod";

// CivitAI search runs at the edge (GET /api/civitai/search), so the Models page can browse
// while the instance is offline. Same arguments and result as the `models.civitai.search` command.

const spec = modelsCommands["models.civitai.search"];

/** Search arguments; `limit` may be left out (the edge uses 20). */
export type CivitaiSearchArgs = z.input<typeof spec.args>;

/** Builds the query string: list filters repeat their parameter, booleans are `true`/`false`. */
export function civitaiSearchQuery(args: CivitaiSearchArgs): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(args)) {
    if (Array.isArray(value)) {
      for (const item of value) {
        params.append(key, String(item));
      }
    } else if (value !== undefined) {
      params.set(key, String(value));
    }
  }
  return params.toString();
}

/** Searches CivitAI through the edge. */
export function searchCivitai(args: CivitaiSearchArgs, signal?: AbortSignal) {
  return requestJson("GET", `/api/civitai/search?${civitaiSearchQuery(args)}`, spec.result, signal === undefined ? {} : { signal });
}
