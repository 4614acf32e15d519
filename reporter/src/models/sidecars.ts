import { realpath, stat } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";

import { insideAnyRoot } from "./confine.js";
import type { ResolvedRoot } from "./confine.js";

/**
 * Files that model managers keep next to a model under the same stem: preview images and
 * videos (A1111, ComfyUI-Manager, LoRA Manager), CivitAI metadata, trigger-word notes and a
 * checkpoint's config.
 */
const SIDECAR_SUFFIXES = [
  ".preview.png",
  ".preview.jpg",
  ".preview.jpeg",
  ".preview.webp",
  ".png",
  ".jpg",
  ".jpeg",
  ".webp",
  ".gif",
  ".mp4",
  ".civitai.info",
  ".metadata.json",
  ".json",
  ".txt",
  ".yaml",
];

/** Returns the sidecar files of a model that exist and stay inside the model folders. */
export async function findSidecars(modelPath: string, roots: ResolvedRoot[]): Promise<string[]> {
  const dir = dirname(modelPath);
  const name = basename(modelPath);
  const stem = name.slice(0, name.length - extname(name).length);
  const found: string[] = [];
  for (const suffix of SIDECAR_SUFFIXES) {
    const path = join(dir, `${stem}${suffix}`);
    const real = path === modelPath ? null : await realpath(path).catch(() => null);
    const info = real === null ? null : await stat(real).catch(() => null);
    if (real !== null && info?.isFile() === true && insideAnyRoot(roots, real)) {
      found.push(path);
    }
  }
  return found;
}
