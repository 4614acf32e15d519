import { readdir, realpath, stat } from "node:fs/promises";
import { join } from "node:path";

import type { Logger } from "../log/logger.js";
import { insideAnyRoot } from "./confine.js";
import type { ResolvedRoot } from "./confine.js";
import { isModelFile } from "./folders.js";

/** One model file found on disk. */
export interface ScannedFile {
  path: string;
  folder: string;
  relativePath: string;
  name: string;
  size: number;
  mtimeMs: number;
}

/** Folder depth below a root that the scan descends to; model folders are rarely more than two deep. */
const MAX_DEPTH = 8;

/**
 * Lists the model files below every root. Hidden entries are skipped, which also skips the
 * download queue's temp files. Symlinks are followed only when they resolve inside a model
 * root, and each real directory is read once, so link loops end. A path found through two
 * roots is listed under the first.
 */
export async function scanRoots(roots: ResolvedRoot[], log: Logger): Promise<ScannedFile[]> {
  const files = new Map<string, ScannedFile>();
  for (const root of roots) {
    const visited = new Set<string>();
    const walk = async (dir: string, relative: string, depth: number): Promise<void> => {
      const real = await realpath(dir).catch(() => null);
      if (real === null || visited.has(real)) {
        return;
      }
      visited.add(real);

      const entries = await readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
        log.warn({ dir, err: error }, "model folder could not be read");
        return [];
      });
      for (const entry of entries) {
        if (entry.name.startsWith(".")) {
          continue;
        }
        const path = join(dir, entry.name);
        const rel = relative === "" ? entry.name : `${relative}/${entry.name}`;
        if (entry.isSymbolicLink()) {
          const target = await realpath(path).catch(() => null);
          if (target === null || !insideAnyRoot(roots, target)) {
            log.debug({ path }, "skipping a symlink that leads out of the model folders");
            continue;
          }
        }
        const info = await stat(path).catch(() => null);
        if (info?.isDirectory() === true && depth < MAX_DEPTH) {
          await walk(path, rel, depth + 1);
        } else if (info?.isFile() === true && isModelFile(entry.name) && !files.has(path)) {
          files.set(path, { path, folder: root.folder, relativePath: rel, name: entry.name, size: info.size, mtimeMs: Math.round(info.mtimeMs) });
        }
      }
    };
    await walk(root.dir, "", 0);
  }
  return [...files.values()];
}
