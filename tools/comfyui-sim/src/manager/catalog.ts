/**
 * The node list Manager would fetch from its channel: here a `custom-node-list.json` file named
 * by `COMFYUI_SIM_NODE_LIST`. Each entry's `files[0]` is a git URL the simulator clones; tests
 * point those at local repositories (for example with git's `url.<base>.insteadOf`).
 */
import { readFileSync } from "node:fs";

export interface CatalogEntry {
  id: string;
  title: string;
  author: string;
  reference: string;
  files: string[];
  description: string;
  stars: number;
  lastUpdate: string;
}

function field(value: unknown, fallback: string): string {
  return typeof value === "string" ? value : fallback;
}

/** Reads the list; a missing or broken file is an empty list. */
export function readCatalog(file: string | undefined): CatalogEntry[] {
  if (file === undefined || file === "") {
    return [];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return [];
  }
  const list = (parsed as { custom_nodes?: unknown }).custom_nodes;
  if (!Array.isArray(list)) {
    return [];
  }
  return list.flatMap((raw: unknown): CatalogEntry[] => {
    if (typeof raw !== "object" || raw === null) {
      return [];
    }
    const entry = raw as Record<string, unknown>;
    const files = Array.isArray(entry.files) ? entry.files.filter((item): item is string => typeof item === "string") : [];
    const reference = field(entry.reference, files[0] ?? "");
    const id = field(entry.id, repoName(reference));
    return [
      {
        id,
        title: field(entry.title, id),
        author: field(entry.author, ""),
        reference,
        files,
        description: field(entry.description, ""),
        stars: typeof entry.stars === "number" ? entry.stars : -1,
        lastUpdate: field(entry.last_update, ""),
      },
    ];
  });
}

/** The folder name a git URL installs into: its last path part without `.git`. */
export function repoName(url: string): string {
  return (url.replace(/\/+$/, "").split("/").at(-1) ?? "").replace(/\.git$/, "");
}

/** `owner/repo` of a git URL. */
export function auxId(url: string): string {
  return url.replace(/\/+$/, "").replace(/\.git$/, "").split("/").slice(-2).join("/");
}

/** Compares URLs the way Manager matches them: case and a trailing `.git` or slash ignored. */
export function sameRepository(left: string, right: string): boolean {
  const normal = (url: string): string => url.toLowerCase().replace(/\/+$/, "").replace(/\.git$/, "");
  return normal(left) === normal(right);
}
