/** The overview's `system` section apart from the GPUs, which the GPU sampler provides. */
import { hostname, uptime } from "node:os";

import type { SystemSection } from "@comfycarry/shared";

import type { CpuFacts } from "./cpu.js";
import { CpuUsageMeter, readCpuFacts } from "./cpu.js";
import { readDiskStats } from "./disk.js";
import { readMemory } from "./memory.js";

/** Everything in `system` except `gpus` and `gpu_error`. */
export type HostSystem = Omit<SystemSection, "gpus" | "gpu_error">;

export interface SystemSourceOptions {
  /** The workspace folder; the disk reading is for the filesystem that contains it. */
  workspacePath: string;
  /** Environment for the disk test seam; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads host facts for each snapshot. Only the first read starts a process (lscpu, for the
 * CPU model). CPU usage comes from `os.cpus()` deltas and disk from statfs, because
 * systeminformation's `currentLoad` and `fsSize` start a process (`cat`, `df`) on every call.
 */
export class SystemSource {
  readonly #workspacePath: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #cpuUsage = new CpuUsageMeter();
  #cpuFacts: CpuFacts | undefined;

  constructor(options: SystemSourceOptions) {
    this.#workspacePath = options.workspacePath;
    this.#env = options.env ?? process.env;
  }

  /** Returns a fresh reading; CPU usage covers the time since the previous call. */
  async read(): Promise<HostSystem> {
    this.#cpuFacts ??= await readCpuFacts();
    const facts = this.#cpuFacts;
    const [memory, disk] = await Promise.all([readMemory(), readDiskStats(this.#workspacePath, this.#env)]);

    return {
      hostname: hostname(),
      uptime_s: uptime(),
      cpu: { model: facts.model, cores: facts.cores, usage_percent: this.#cpuUsage.read() },
      // NOTE: /proc/meminfo shows the host's memory; a container memory limit (cgroup) is not applied.
      memory,
      disk: { path: this.#workspacePath, ...disk },
    };
  }
}
