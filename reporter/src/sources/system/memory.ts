/** Total and used memory of the host, from /proc/meminfo. */
import { readFile } from "node:fs/promises";
import { freemem, totalmem } from "node:os";

import type { SystemSection } from "@comfycarry/shared";

export type MemoryStats = SystemSection["memory"];

/** Returns the kB value of `field` in /proc/meminfo text, or null when it is absent. */
function field(text: string, name: string): number | null {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(text);
  return match?.[1] === undefined ? null : Number(match[1]) * 1024;
}

/**
 * Used is total minus MemAvailable: page cache the kernel can reclaim (model files ComfyUI
 * has read) does not count as used, matching the "used" column of `free`. Without
 * /proc/meminfo (not Linux) it falls back to Node's total and free figures.
 */
export async function readMemory(path = "/proc/meminfo"): Promise<MemoryStats> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return { total_bytes: totalmem(), used_bytes: totalmem() - freemem() };
  }

  const total = field(text, "MemTotal") ?? totalmem();
  const available = field(text, "MemAvailable") ?? freemem();
  return { total_bytes: total, used_bytes: Math.max(0, total - available) };
}
