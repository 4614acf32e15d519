import { readFile } from "node:fs/promises";

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux build we run on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far, from /proc. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which sits in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
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

/** Measures a process's share of one core and its peak RSS while `work` runs. */
export async function measureProcess(pid: number, work: () => Promise<void>): Promise<{ corePercent: number; cpuSeconds: number; peakRssBytes: number; seconds: number }> {
  const startCpu = await cpuSeconds(pid);
  const started = performance.now();
  let peak = await rssBytes(pid);
  const sampler = setInterval(() => {
    rssBytes(pid).then(
      (value) => {
        peak = Math.max(peak, value);
      },
      () => undefined,
    );
  }, 250);
  try {
    await work();
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = (await cpuSeconds(pid)) - startCpu;
  return { corePercent: (cpu / seconds) * 100, cpuSeconds: cpu, peakRssBytes: Math.max(peak, await rssBytes(pid)), seconds };
}
