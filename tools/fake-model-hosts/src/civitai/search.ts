import type { CivitaiModelSpec } from "./catalog.js";

export const SORTS = ["Highest Rated", "Most Downloaded", "Most Liked", "Most Discussed", "Most Collected", "Most Images", "Newest", "Oldest"] as const;

export type SearchOutcome =
  | { kind: "error"; status: number; error: unknown }
  | { kind: "page"; models: CivitaiModelSpec[]; nextOffset: number | null; limit: number; page: number | null };

/**
 * Applies `/api/v1/models` query rules: `limit` 0–100, repeated `types`/`baseModels`, `sort`,
 * `query` with cursor paging only, and `page*limit > 1000` → 429. Cursors are plain offsets,
 * as CivitAI uses when `query` is set.
 */
export function searchModels(all: CivitaiModelSpec[], params: URLSearchParams, hasSession: boolean): SearchOutcome {
  if ((params.has("favorites") || params.has("hidden")) && !hasSession) {
    return { kind: "error", status: 401, error: "Unauthorized" };
  }

  const limit = params.has("limit") ? Number(params.get("limit")) : 100;
  if (!Number.isInteger(limit) || limit < 0 || limit > 100) {
    return { kind: "error", status: 400, error: { issues: [{ path: ["limit"], message: "Number must be between 0 and 100" }] } };
  }
  const page = params.has("page") ? Number(params.get("page")) : null;
  if (page !== null && (!Number.isInteger(page) || page < 1)) {
    return { kind: "error", status: 400, error: { issues: [{ path: ["page"], message: "Number must be greater than or equal to 1" }] } };
  }
  const query = params.get("query");
  if (query !== null && page !== null) {
    return { kind: "error", status: 400, error: "Cannot use page param with query search. Use cursor-based pagination." };
  }
  if (page !== null && page * limit > 1000) {
    return { kind: "error", status: 429, error: "You've requested too many pages, please use cursors instead" };
  }
  const sort = params.get("sort") ?? "Highest Rated";
  if (!(SORTS as readonly string[]).includes(sort)) {
    return { kind: "error", status: 400, error: { issues: [{ path: ["sort"], message: `Invalid enum value '${sort}'` }] } };
  }

  const types = params.getAll("types");
  const baseModels = params.getAll("baseModels");
  const nsfw = params.get("nsfw") === "true";
  const needle = query?.toLowerCase() ?? "";
  let models = all.filter((model) => {
    if (model.mode === "TakenDown" || (model.nsfw === true && !nsfw)) {
      return false;
    }
    if (types.length > 0 && !types.includes(model.type)) {
      return false;
    }
    if (baseModels.length > 0 && !model.versions.some((v) => baseModels.includes(v.baseModel))) {
      return false;
    }
    return needle === "" || model.name.toLowerCase().includes(needle) || (model.tags ?? []).some((tag) => tag.includes(needle));
  });

  models = sortModels(models, sort);
  const offset = page !== null ? (page - 1) * limit : Number(params.get("cursor") ?? "0") || 0;
  const slice = models.slice(offset, offset + limit);
  const nextOffset = offset + limit < models.length ? offset + limit : null;
  return { kind: "page", models: slice, nextOffset, limit, page };
}

function sortModels(models: CivitaiModelSpec[], sort: string): CivitaiModelSpec[] {
  const copy = [...models];
  if (sort === "Newest" || sort === "Oldest") {
    copy.sort((a, b) => (sort === "Newest" ? b.id - a.id : a.id - b.id));
  } else {
    copy.sort((a, b) => (b.downloadCount ?? 0) - (a.downloadCount ?? 0) || a.id - b.id);
  }
  return copy;
}
