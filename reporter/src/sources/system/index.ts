/** Host readings for the overview: CPU, memory, disk, uptime and hostname. */
export { SystemSource } from "./system-source.js";
export type { HostSystem, SystemSourceOptions } from "./system-source.js";
export { DISK_STATS_FILE_ENV, readDiskStats } from "./disk.js";
export type { DiskStats } from "./disk.js";
export { CpuUsageMeter, readCpuFacts, tidyCpuModel } from "./cpu.js";
export { readMemory } from "./memory.js";
export type { MemoryStats } from "./memory.js";
