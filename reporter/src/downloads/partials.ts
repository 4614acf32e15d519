import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";

import type { Logger } from "../log/logger.js";

/** Suffix of the engine's temp files; ComfyUI does not list it because it is no model extension. */
export const TEMP_SUFFIX = ".comfycarry-part";

/** Hidden temp name next to the final file, unique per job. */
export function tempNameFor(fileName: string, jobId: string): string {
  return `.${fileName}.${jobId.slice(0, 8)}${TEMP_SUFFIX}`;
}

const MAX_DEPTH = 4;

/**
 * Deletes temp files (and their aria2 control files) under the models root that belong to
 * no known job, e.g. when a crashed reporter's database was lost. Partials of known jobs
 * are kept, because their jobs resume from them.
 */
export async function removeStrayPartials(modelsRoot: string, knownTempNames: Set<string>, logger: Logger): Promise<number> {
  let removed = 0;
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && !entry.isSymbolicLink() && depth < MAX_DEPTH) {
        await walk(path, depth + 1);
        continue;
      }
      const base = entry.name.endsWith(".aria2") ? entry.name.slice(0, -".aria2".length) : entry.name;
      if (entry.isFile() && base.endsWith(TEMP_SUFFIX) && !knownTempNames.has(base)) {
        await rm(path, { force: true });
        removed += 1;
        logger.warn({ path }, "removed a partial download that belongs to no job");
      }
    }
  };
  await walk(modelsRoot, 0);
  return removed;
}
