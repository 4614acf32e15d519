import { opendir, stat } from "node:fs/promises";
import { join } from "node:path";

import type { GalleryKind } from "@comfycarry/shared";

import { kindOf } from "./kinds.js";

/** One file found by a folder walk. */
export interface ListedFile {
  /** Path relative to the gallery folder, `/` between segments. */
  path: string;
  name: string;
  kind: GalleryKind;
  size: number;
  modifiedMs: number;
  /** Absolute path, for the sync coverage check. */
  absolute: string;
}

/** Deepest folder level a walk descends to, so a symlink loop or a huge tree cannot stall the reporter. */
const MAX_DEPTH = 8;

/** Most files one walk collects; a folder beyond this lists its newest files only after a cleanup. */
export const MAX_LISTED_FILES = 100_000;

/**
 * Walks a gallery folder and returns its regular files, newest first. Hidden entries (a
 * leading dot) are skipped, and symlinks are never followed, so the walk stays inside
 * the folder.
 */
export async function walkGallery(dir: string): Promise<ListedFile[]> {
  const files: ListedFile[] = [];
  await walkInto(dir, "", 0, files);
  files.sort((a, b) => b.modifiedMs - a.modifiedMs || a.path.localeCompare(b.path));
  return files;
}

async function walkInto(dir: string, prefix: string, depth: number, out: ListedFile[]): Promise<void> {
  const handle = await opendir(dir).catch(() => null);
  if (handle === null) {
    return;
  }
  for await (const entry of handle) {
    if (entry.name.startsWith(".") || out.length >= MAX_LISTED_FILES) {
      continue;
    }
    const absolute = join(dir, entry.name);
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory() && depth < MAX_DEPTH) {
      await walkInto(absolute, path, depth + 1, out);
    } else if (entry.isFile()) {
      const info = await stat(absolute).catch(() => null);
      if (info !== null) {
        out.push({ path, name: entry.name, kind: kindOf(entry.name), size: info.size, modifiedMs: info.mtimeMs, absolute });
      }
    }
  }
}

/** Filters a walk by file-name text (case-insensitive, on the path) and kind. */
export function filterListing(files: ListedFile[], query: string | undefined, kind: GalleryKind | undefined): ListedFile[] {
  const needle = query?.trim().toLowerCase() ?? "";
  return files.filter((file) => (kind === undefined || file.kind === kind) && (needle === "" || file.path.toLowerCase().includes(needle)));
}
