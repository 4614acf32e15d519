import { lstat, realpath } from "node:fs/promises";
import { isAbsolute, relative, resolve } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";

import type { ModelRoot } from "./folders.js";

/** A model root that exists, with its real (symlink-free) location. */
export interface ResolvedRoot extends ModelRoot {
  real: string;
}

/** Returns whether `path` is `root` or below it; both must be absolute and normalised. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}

/** Resolves the roots that exist; a directory listed twice (same folder, same real place) is kept once. */
export async function resolveRoots(roots: ModelRoot[]): Promise<ResolvedRoot[]> {
  const out: ResolvedRoot[] = [];
  const seen = new Set<string>();
  for (const root of roots) {
    const real = await realpath(root.dir).catch(() => null);
    const key = `${root.folder}\0${real}`;
    if (real !== null && !seen.has(key)) {
      seen.add(key);
      out.push({ ...root, real });
    }
  }
  return out;
}

/** Returns whether a real path lies inside any root's real location. */
export function insideAnyRoot(roots: ResolvedRoot[], real: string): boolean {
  return roots.some((root) => isInside(root.real, real));
}

/**
 * Checks a path the dashboard sent before anything reads or deletes it. The path must be
 * absolute, without `.` or `..` segments, and below a model root as written. Once every
 * symlink (of a folder on the way or of the file itself) is resolved, it must still be
 * inside a model root. Returns the root it belongs to.
 */
export async function confineModelPath(roots: ResolvedRoot[], input: string): Promise<{ path: string; root: ResolvedRoot; real: string }> {
  const segments = input.split("/");
  if (!isAbsolute(input) || segments.some((segment) => segment === "." || segment === "..") || /[\u0000-\u001f]/.test(input)) {
    throw outside(input, "use the absolute path the model list shows, without . or .. segments");
  }
  const path = resolve(input);
  // The list shows paths below each root as configured; a path below its real location is accepted too.
  const under = (dir: string) => isInside(dir, path) && path !== dir;
  const candidates = roots.filter((root) => under(root.dir) || under(root.real)).sort((a, b) => b.dir.length - a.dir.length);
  const root = candidates[0];
  if (root === undefined) {
    throw outside(input, "only files in ComfyUI's model folders can be used");
  }

  const info = await lstat(path).catch(() => null);
  if (info === null) {
    throw new ComfyCarryError("not_found", `model file ${input} not found; rescan the library`, { path: input });
  }
  const real = await realpath(path);
  if (!insideAnyRoot(roots, real)) {
    throw outside(input, "it is a symlink, or lies below one, that leads out of the model folders");
  }
  return { path, root, real };
}

function outside(input: string, fix: string): ComfyCarryError {
  return new ComfyCarryError("invalid_arguments", `path "${input.slice(0, 500)}" is not inside a model folder: ${fix}`, { path: input.slice(0, 500) });
}
