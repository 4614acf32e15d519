import type { Service, SystemSection } from "@comfycarry/shared";

// What the reporter core needs from the host-facing modules (systeminformation, nvidia-smi,
// PM2). main.ts adapts the concrete classes to these, so tests can pass small fakes.

/** Host facts of the overview's `system` section, without the GPU fields. */
export type HostSample = Omit<SystemSection, "gpus" | "gpu_error">;

/** Reads CPU, memory and disk. */
export interface SystemSource {
  read(): Promise<HostSample>;
}

/** The latest GPU sample; `error` is set while nvidia-smi fails and `gpus` keeps the last good sample. */
export interface GpuSource {
  current(): Pick<SystemSection, "gpus" | "gpu_error">;
}

/** The PM2 processes and the three life-cycle actions the dashboard may trigger. */
export interface ServiceManager {
  list(): Promise<Service[]>;
  /** Each action resolves with the process after it; an unknown name throws `service_not_found`. */
  start(name: string): Promise<Service>;
  stop(name: string): Promise<Service>;
  restart(name: string): Promise<Service>;
}
