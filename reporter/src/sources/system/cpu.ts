/** CPU model, core count and usage, cheap enough to read every tick. */
import { cpus } from "node:os";

import { cpu as readSystemCpu } from "systeminformation/lib/cpu.js";

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
 * all cores, from `os.cpus()` (/proc/stat on Linux), so a 2-second tick spawns nothing.
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

// Marks and clock speeds in model names, which the dashboard has no room for:
// "Intel(R) Xeon(R) Platinum 8480+ CPU @ 2.00GHz" becomes "Intel Xeon Platinum 8480+".
const MODEL_NOISE = [/\((?:R|TM|tm)\)/g, /\s+CPU(?=\s*@)/g, /\s*@\s*[\d.]+\s*[GM]Hz/gi, /\s+Processor$/];

/** Tidies a CPU model name as the kernel reports it. */
export function tidyCpuModel(raw: string): string {
  let model = raw;
  for (const noise of MODEL_NOISE) {
    model = model.replace(noise, "");
  }
  model = model.replace(/\s+/g, " ").trim();
  return model === "" ? "unknown" : model;
}

/**
 * Reads the CPU model and logical core count once, through systeminformation (which runs
 * lscpu once), falling back to Node's `os.cpus()` when it fails.
 */
export async function readCpuFacts(): Promise<CpuFacts> {
  try {
    const cpu = await readSystemCpu();
    return { model: tidyCpuModel(`${cpu.manufacturer} ${cpu.brand}`), cores: Math.max(1, cpu.cores) };
  } catch {
    const all = cpus();
    return { model: tidyCpuModel(all[0]?.model ?? ""), cores: Math.max(1, all.length) };
  }
}
