/**
 * Reads a checkout's HEAD commit and origin URL from the files under `.git`, so a restore of
 * many nodes does not start two git processes per node. Anything this reader does not fully
 * understand (a `.git` file of a worktree, an include in the config, quoted values) falls back to git.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

import { gitOutput } from "./git-run.js";

const OBJECT_ID = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;

/** Returns the commit HEAD points at, or null when `dir` is no checkout with a commit. */
export async function headCommit(dir: string): Promise<string | null> {
  // Without its own .git, git would return the HEAD of an enclosing repository such as the ComfyUI checkout.
  if (!existsSync(join(dir, ".git"))) {
    return null;
  }
  const fromFiles = await headFromFiles(join(dir, ".git"));
  if (fromFiles !== undefined) {
    return fromFiles;
  }
  return (await gitOutput(["rev-parse", "--verify", "--quiet", "HEAD"], dir))?.[0] ?? null;
}

/** Returns remote.origin.url, or null when the checkout has no origin. */
export async function originUrl(dir: string): Promise<string | null> {
  if (!existsSync(join(dir, ".git"))) {
    return null;
  }
  const config = await readText(join(dir, ".git", "config"));
  const fromFile = config === null ? undefined : originFromConfig(config);
  if (fromFile !== undefined) {
    return fromFile;
  }
  return (await gitOutput(["config", "--get", "remote.origin.url"], dir))?.[0] ?? null;
}

/** Resolves HEAD through loose refs and packed-refs. Returns undefined when only git can tell. */
async function headFromFiles(gitDir: string): Promise<string | null | undefined> {
  const head = (await readText(join(gitDir, "HEAD")))?.trim();
  if (head === undefined) {
    return undefined;
  }
  if (OBJECT_ID.test(head)) {
    return head;
  }
  const ref = /^ref: (refs\/heads\/[^\s]+)$/.exec(head)?.[1];
  if (ref === undefined || ref.includes("..")) {
    return undefined;
  }

  const loose = (await readText(join(gitDir, ref)))?.trim();
  if (loose !== undefined) {
    return OBJECT_ID.test(loose) ? loose : undefined;
  }
  const packed = await readText(join(gitDir, "packed-refs"));
  const id = packed
    ?.split("\n")
    .find((candidate) => candidate.endsWith(` ${ref}`))
    ?.split(" ")[0];
  return id !== undefined && OBJECT_ID.test(id) ? id : undefined;
}

/**
 * Finds `url` in the `[remote "origin"]` section of a config git wrote itself. Returns
 * undefined for what a plain reading could get wrong: includes, quotes, escapes, continued lines.
 */
export function originFromConfig(text: string): string | null | undefined {
  let inOrigin = false;
  let url: string | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      // Section names compare without case, subsection names with case, as git reads them.
      const header = /^\[([A-Za-z][\w-]*)(?:\s+"([^"\\]*)")?\]$/.exec(line);
      if (header === null || header[1]?.toLowerCase().startsWith("include") === true) {
        return undefined;
      }
      inOrigin = header[1]?.toLowerCase() === "remote" && header[2] === "origin";
      continue;
    }
    const value = inOrigin ? /^url\s*=\s*(.*)$/i.exec(line)?.[1] : undefined;
    if (value !== undefined) {
      if (/["\\#;]/.test(value)) {
        return undefined;
      }
      url = value.trim();
    }
  }
  return url;
}

async function readText(path: string): Promise<string | null> {
  return readFile(path, "utf8").catch(() => null);
}
