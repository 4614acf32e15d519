/**
 * @module Reads the `GET /api/civitai/search` query string into the arguments of
 * `models.civitai.search`: `types` and `base_models` repeat, `nsfw` is `true` or `false`,
 * `limit` is a number. Anything the schema refuses comes back naming the parameter.
 */
import { ComfyCarryError, modelsCommands, parseValue } from "@comfycarry/shared";

import type { SearchArgs } from "./search.js";

const LIST_PARAMS = new Set(["types", "base_models"]);

function scalar(key: string, value: string): unknown {
  if (key === "nsfw" && (value === "true" || value === "false")) {
    return value === "true";
  }
  if (key === "limit" && /^\d{1,6}$/.test(value)) {
    return Number(value);
  }
  return value;
}

/** Parses the query parameters (as Hono's `c.req.queries()` lists them) into search arguments. */
export function searchArgsFromQuery(queries: Record<string, string[]>): SearchArgs {
  const raw: Record<string, unknown> = {};
  for (const [key, values] of Object.entries(queries)) {
    if (LIST_PARAMS.has(key)) {
      raw[key] = values;
      continue;
    }
    if (values.length > 1) {
      throw new ComfyCarryError("invalid_arguments", `invalid CivitAI search: ${key} is given ${values.length} times; give it once`, { field: key });
    }
    raw[key] = scalar(key, values[0] ?? "");
  }

  const parsed = parseValue(modelsCommands["models.civitai.search"].args, raw);
  if (!parsed.ok) {
    throw new ComfyCarryError("invalid_arguments", `invalid CivitAI search: ${parsed.issues}`);
  }
  return parsed.value;
}
