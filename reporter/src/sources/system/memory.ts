/** Total and used memory of the host, from /proc/meminfo. */
import { readFile } from "node:fs/promises";
import { freemem, totalmem } from "node:os";

import type { SystemSection } from "@comfycarry/shared";

export type MemoryStats = SystemSection["memory"];

const MEM_TOTAL = /^MemTotal:\s+(\d+) kB$/m;
const MEM_AVAILABLE = /^MemAvailable:\s+(\d+) kB$/m;

/**
 * Used is total minus available: page cache the kernel can reclaim (model files ComfyUI
 * has read) does not count as used, matching the "used" column of `free`. Two regular
 * expressions read the file, where systeminformation's `mem()` scanned every line for a
 * dozen fields on each snapshot. Without /proc/meminfo (not Linux) or MemAvailable (Linux
 * before 3.14), free memory from `os.freemem()` is used as available memory.
 */
export async function readMemory(): Promise<MemoryStats> {
  const text = await readFile("/proc/meminfo", "utf8").catch(() => "");
  const totalKib = MEM_TOTAL.exec(text)?.[1];
  const availableKib = MEM_AVAILABLE.exec(text)?.[1];
  const total = totalKib === undefined ? totalmem() : Number(totalKib) * 1024;
  const available = availableKib === undefined ? freemem() : Number(availableKib) * 1024;
  return { total_bytes: total, used_bytes: Math.max(0, total - available) };
}
