/** CPU model, core count and usage, cheap enough to read every tick. */
import { cpus } from "node:os";

import si from "systeminformation";

interface CpuTimes {
  busy: number;
  total: number;
}

function readTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const cpu of cpus()) {
    const { user, nice, sys, irq, idle } = cpu.times;
    busy += user + nice + sys + irq;
    total += user + nice + sys + irq + idle;
  }
  return { busy, total };
}

/**
 * Measures CPU usage as the busy share of CPU time since the previous call, summed over
 * all cores. It reads `os.cpus()` rather than calling systeminformation's `currentLoad()`,
 * because on Linux that spawns `cat /proc/stat | grep cpu` synchronously on every call
 * (systeminformation 5.33), which a 2-second tick cannot afford.
 */
export class CpuUsageMeter {
  #previous: CpuTimes = readTimes();
  #lastPercent = 0;

  /** Returns the usage in percent since the previous call (or since construction). */
  read(): number {
    const current = readTimes();
    const total = current.total - this.#previous.total;
    const busy = current.busy - this.#previous.busy;

    // Two calls within one clock tick see no new CPU time, so the last value is kept.
    if (total > 0) {
      this.#previous = current;
      this.#lastPercent = Math.min(100, Math.max(0, (busy / total) * 100));
    }
    return this.#lastPercent;
  }
}

export interface CpuFacts {
  model: string;
  cores: number;
}

/**
 * Reads the CPU model and logical core count once. systeminformation's `cpu()` runs
 * `lscpu` and `dmidecode` on Linux, so callers cache the promise instead of repeating it.
 */
export async function readCpuFacts(): Promise<CpuFacts> {
  const info = await si.cpu();
  const fallbackModel = cpus()[0]?.model.trim() ?? "unknown";
  const model = info.brand === "unknown" || info.brand === "" ? fallbackModel : `${info.manufacturer} ${info.brand}`.trim();
  return { model, cores: Math.max(1, info.cores) };
}
