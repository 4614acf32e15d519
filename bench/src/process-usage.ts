import { readdir, readFile } from "node:fs/promises";

/**
 * Returns the CPU seconds the current threads of a process have run so far, from each
 * thread's schedstat in nanoseconds. The clock ticks of /proc/<pid>/stat move in 10 ms
 * steps, too coarse for a process that uses 100-200 ms in a bench phase.
 */
export async function preciseCpuSeconds(pid: number): Promise<number> {
  let nanoseconds = 0;
  for (const thread of await readdir(`/proc/${pid}/task`)) {
    const schedstat = await readFile(`/proc/${pid}/task/${thread}/schedstat`, "utf8").catch(() => "0");
    nanoseconds += Number(schedstat.split(" ")[0]);
  }
  return nanoseconds / 1e9;
}

/** Resident set size of a process in bytes, from /proc. */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match?.[1] === undefined) {
    throw new Error(`no VmRSS line in /proc/${pid}/status`);
  }
  return Number(match[1]) * 1024;
}

export interface ProcessUsage {
  corePercent: number;
  cpuSeconds: number;
  peakRssBytes: number;
  seconds: number;
}

/** Measures a process's share of one core and its peak RSS while `work` runs. */
export async function measureProcess(pid: number, work: () => Promise<void>): Promise<ProcessUsage> {
  const [usage] = await measureProcesses([pid], work);
  if (usage === undefined) {
    throw new Error(`no usage measured for process ${pid}`);
  }
  return usage;
}

/** Measures several processes over the same `work`, in the order of `pids`. */
export async function measureProcesses(pids: readonly number[], work: () => Promise<void>): Promise<ProcessUsage[]> {
  const startCpu = await Promise.all(pids.map((pid) => preciseCpuSeconds(pid)));
  const started = performance.now();
  const peaks = await Promise.all(pids.map((pid) => rssBytes(pid)));
  const sampler = setInterval(() => {
    pids.forEach((pid, index) => {
      rssBytes(pid).then(
        (value) => {
          peaks[index] = Math.max(peaks[index] ?? 0, value);
        },
        () => undefined,
      );
    });
  }, 250);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  return Promise.all(
    pids.map(async (pid, index) => {
      const cpu = (await preciseCpuSeconds(pid)) - (startCpu[index] ?? 0);
      const peak = Math.max(peaks[index] ?? 0, await rssBytes(pid));
      return { corePercent: (cpu / seconds) * 100, cpuSeconds: cpu, peakRssBytes: peak, seconds };
    }),
  );
}
