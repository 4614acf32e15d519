/**
 * The node list to browse: legacy Manager's `getlist`, or else the channel list v4 Manager
 * cached on disk (v4 has no list route in its new UI, and the cache is readable with ComfyUI down).
 */
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";

import type { RegistryPack } from "@comfycarry/shared";
import { parseFrame, parseValue } from "@comfycarry/shared";
import { z } from "zod";

import { plainFetch } from "../../http/plain-fetch.js";

const listedSchema = z.looseObject({
  id: z.string().optional(),
  title: z.string().optional(),
  author: z.string().optional(),
  description: z.string().optional(),
  reference: z.string().optional(),
  repository: z.string().optional(),
  files: z.array(z.string()).optional(),
  stars: z.number().optional(),
  last_update: z.union([z.string(), z.number()]).optional(),
  cnr_latest: z.string().optional(),
  state: z.string().optional(),
  "update-state": z.string().optional(),
});
type Listed = z.infer<typeof listedSchema>;

const getlistSchema = z.object({ node_packs: z.record(z.string(), listedSchema) });
const channelSchema = z.object({ custom_nodes: z.array(listedSchema) });

export interface NodeList {
  packs: RegistryPack[];
  /** Registry ids whose installed copy Manager says can be updated. */
  updatable: Set<string>;
}

function toPack(key: string, entry: Listed): RegistryPack {
  const state = entry.state === "enabled" || entry.state === "disabled" ? entry.state : "not-installed";
  return {
    id: entry.id ?? key,
    title: entry.title ?? key,
    author: entry.author ?? "",
    description: (entry.description ?? "").slice(0, 2000),
    repository: entry.repository ?? entry.files?.[0] ?? entry.reference ?? null,
    stars: entry.stars !== undefined && entry.stars >= 0 ? entry.stars : null,
    last_update: typeof entry.last_update === "string" && entry.last_update !== "" ? entry.last_update : null,
    latest_version: entry.cnr_latest ?? null,
    state,
  };
}

/** Reads legacy Manager's `getlist` from ComfyUI. */
export async function fetchGetlist(baseUrl: string): Promise<NodeList> {
  const response = await plainFetch(`${baseUrl}/api/customnode/getlist?mode=cache&skip_update=true`, { signal: AbortSignal.timeout(30_000) });
  const parsed = parseValue(getlistSchema, await response.json());
  if (!parsed.ok) {
    return { packs: [], updatable: new Set() };
  }
  const entries = Object.entries(parsed.value.node_packs);
  return {
    packs: entries.map(([key, entry]) => toPack(key, entry)),
    updatable: new Set(entries.filter(([, entry]) => entry["update-state"] === "true").map(([key]) => key)),
  };
}

/** Reads the newest cached channel list from Manager's data folder (either location). */
export async function readCachedList(comfyuiDir: string): Promise<NodeList> {
  for (const cacheDir of [join(comfyuiDir, "user", "__manager", "cache"), join(comfyuiDir, "user", "default", "ComfyUI-Manager", "cache")]) {
    const names = (await readdir(cacheDir).catch(() => [] as string[])).filter((name) => name.endsWith("custom-node-list.json")).sort();
    const newest = names.at(-1);
    if (newest === undefined) {
      continue;
    }
    const parsed = parseFrame(channelSchema, await readFile(join(cacheDir, newest), "utf8"));
    if (parsed.ok) {
      return { packs: parsed.value.custom_nodes.map((entry) => toPack(entry.id ?? entry.title ?? "", entry)), updatable: new Set() };
    }
  }
  return { packs: [], updatable: new Set() };
}

/** Filters by a case-blind search of id, title, author and description, then sorts. */
export function browse(packs: RegistryPack[], search: string, sort: "stars" | "updated" | "title"): RegistryPack[] {
  const needle = search.trim().toLowerCase();
  const found = needle === "" ? [...packs] : packs.filter((pack) => [pack.id, pack.title, pack.author, pack.description].some((text) => text.toLowerCase().includes(needle)));
  const compare: Record<typeof sort, (a: RegistryPack, b: RegistryPack) => number> = {
    stars: (a, b) => (b.stars ?? -1) - (a.stars ?? -1) || a.title.localeCompare(b.title),
    updated: (a, b) => (b.last_update ?? "").localeCompare(a.last_update ?? "") || a.title.localeCompare(b.title),
    title: (a, b) => a.title.localeCompare(b.title),
  };
  return found.sort(compare[sort]);
}
