/** Total and used memory of the host, through systeminformation (which reads /proc/meminfo). */
import si from "systeminformation";

import type { SystemSection } from "@comfycarry/shared";

export type MemoryStats = SystemSection["memory"];

/**
 * Used is total minus available: page cache the kernel can reclaim (model files ComfyUI
 * has read) does not count as used, matching the "used" column of `free`. systeminformation
 * reads /proc/meminfo without starting a process, so this is cheap enough for every snapshot.
 */
export async function readMemory(): Promise<MemoryStats> {
  const memory = await si.mem();
  return { total_bytes: memory.total, used_bytes: Math.max(0, memory.total - memory.available) };
}
