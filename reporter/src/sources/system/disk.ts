/** Size and usage of the filesystem that contains the workspace. */
import type { StatsFs } from "node:fs";
import { readFile, statfs } from "node:fs/promises";
import { dirname, resolve } from "node:path";

import type { SystemSection } from "@comfycarry/shared";
import { parseValue, systemSchema } from "@comfycarry/shared";

/** Filesystem size and usage in bytes, without the workspace path. */
export type DiskStats = Omit<SystemSection["disk"], "path">;

const diskStatsSchema = systemSchema.shape.disk.omit({ path: true });

/**
 * Env variable naming a JSON file `{ total_bytes, used_bytes, free_bytes }` that replaces
 * the real disk reading. It is a test seam: tests rewrite the file to drive the dashboard's
 * disk colour thresholds. The file is read again on every call.
 */
export const DISK_STATS_FILE_ENV = "COMFYCARRY_DISK_STATS_FILE";

async function readOverride(file: string): Promise<DiskStats> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw new Error(`${DISK_STATS_FILE_ENV}=${file} could not be read as JSON; fix or unset it`, { cause: error });
  }
  const parsed = parseValue(diskStatsSchema, json);
  if (!parsed.ok) {
    throw new Error(`${DISK_STATS_FILE_ENV}=${file} is invalid (${parsed.issues}); expected { total_bytes, used_bytes, free_bytes }`);
  }
  return parsed.value;
}

/** Runs statfs on `path`, or on its nearest existing parent when the workspace does not exist yet. */
async function statNearest(path: string): Promise<StatsFs> {
  let current = resolve(path);
  for (;;) {
    try {
      return await statfs(current);
    } catch (error) {
      const parent = dirname(current);
      const missing = error instanceof Error && "code" in error && error.code === "ENOENT";
      if (!missing || parent === current) {
        throw error;
      }
      current = parent;
    }
  }
}

/**
 * Reads total, used and free bytes of the filesystem containing `path` with one statfs
 * call (systeminformation's `fsSize()` spawns `df` instead). Used counts every allocated
 * block, as `df` does. Free is what an unprivileged process can still write, so on ext4
 * used + free is less than total by the root-reserved blocks.
 */
export async function readDiskStats(path: string, env: NodeJS.ProcessEnv = process.env): Promise<DiskStats> {
  const overrideFile = env[DISK_STATS_FILE_ENV];
  if (overrideFile !== undefined && overrideFile !== "") {
    return readOverride(overrideFile);
  }

  const stats = await statNearest(path);
  return {
    total_bytes: stats.blocks * stats.bsize,
    used_bytes: (stats.blocks - stats.bfree) * stats.bsize,
    free_bytes: stats.bavail * stats.bsize,
  };
}
