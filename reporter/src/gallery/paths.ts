import { lstat, mkdir, realpath } from "node:fs/promises";
import { join, sep } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";

import { isInside } from "../models/confine.js";

/** A gallery folder as configured and as its real, symlink-free location. */
export interface GalleryDir {
  dir: string;
  real: string;
}

/** A file inside a gallery folder: the path as the dashboard names it and where it really is. */
export interface ConfinedFile {
  relative: string;
  absolute: string;
  real: string;
  size: number;
  modifiedMs: number;
}

/**
 * Decodes percent-escapes until the text stops changing (at most four rounds), so
 * `%2e%2e` and `%252e%252e` are seen as the `..` they would become in a later decode.
 */
function fullyDecoded(segment: string): string {
  let current = segment;
  for (let round = 0; round < 4; round += 1) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      return current;
    }
    if (next === current) {
      return current;
    }
    current = next;
  }
  return current;
}

/** Returns why a segment is refused, or null for a plain file or folder name. */
function segmentProblem(segment: string): string | null {
  if (segment === "") {
    return "it has an empty segment (a leading, doubled or trailing /)";
  }

  // NFKC folds look-alikes such as U+FF0E FULLWIDTH FULL STOP and U+2024 ONE DOT LEADER into
  // "." and U+FF0F into "/", in case a later layer normalises names.
  for (const form of [segment, fullyDecoded(segment)]) {
    const folded = form.normalize("NFKC");
    if (folded === "." || folded === ".." || folded.includes("/") || folded.includes("\\")) {
      return `its segment "${segment}" reads as ${JSON.stringify(folded)}`;
    }
  }
  return null;
}

function invalidPath(input: string, reason: string): ComfyCarryError {
  const excerpt = input.slice(0, 300);
  return new ComfyCarryError("invalid_arguments", `path "${excerpt}" is not a file in the gallery folder: ${reason}; use the path the gallery list shows`, { path: excerpt });
}

/** Checks the text of a relative path and returns its segments; nothing on disk is touched. */
export function checkRelativePath(input: string): string[] {
  if (input.startsWith("/") || /^[A-Za-z]:/u.test(input)) {
    throw invalidPath(input, "it is absolute");
  }
  if (/[\u0000-\u001f\\]/u.test(input)) {
    throw invalidPath(input, "it contains a control character or a backslash");
  }
  const segments = input.split("/");
  for (const segment of segments) {
    const problem = segmentProblem(segment);
    if (problem !== null) {
      throw invalidPath(input, problem);
    }
  }
  return segments;
}

/**
 * Resolves a dashboard path to a regular file inside `root`. The text is checked first for
 * `.` or `..` in any spelling and for absolute paths. Then every symlink on the way is
 * resolved, and the real location must still lie inside the root's real location.
 */
export async function confineFile(root: GalleryDir, input: string): Promise<ConfinedFile> {
  const segments = checkRelativePath(input);
  const absolute = join(root.dir, ...segments);
  if (!absolute.startsWith(root.dir + sep)) {
    throw invalidPath(input, "it leads out of the folder");
  }

  const info = await lstat(absolute).catch(() => null);
  if (info === null) {
    throw new ComfyCarryError("not_found", `file ${input.slice(0, 300)} not found in the gallery folder; refresh the list`, { path: input.slice(0, 300) });
  }
  const real = await realpath(absolute);
  if (!isInside(root.real, real) || real === root.real) {
    throw invalidPath(input, "it is a symlink, or lies below one, that leads out of the folder");
  }
  const target = await lstat(real);
  if (!target.isFile()) {
    throw invalidPath(input, "it is not a regular file");
  }
  return { relative: input, absolute, real, size: target.size, modifiedMs: target.mtimeMs };
}

/** Resolves a gallery folder, creating it when missing so a fresh ComfyUI install lists as empty. */
export async function openGalleryDir(dir: string): Promise<GalleryDir> {
  await mkdir(dir, { recursive: true });
  return { dir, real: await realpath(dir) };
}
