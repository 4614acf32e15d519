import { crashAndResume } from "./download-crash.js";
import type { CrashRun } from "./download-crash.js";
import { startBenchHost } from "./download-fake.js";
import { timedDownload } from "./download-timed.js";
import type { TimedRun } from "./download-timed.js";

export interface DownloadBenchOptions {
  /** File size in bytes. */
  size: number;
  /** Per-connection cap of the fake's store, in bytes per second. */
  bytesPerSecond: number;
  /** Connections per file for the multi-connection run and the crash run. */
  connections: number;
  /** Share of the file at which the crash run kills engine and aria2. */
  killAt: number;
}

export interface DownloadBenchResult {
  single: TimedRun;
  multi: TimedRun;
  /** Multi-connection throughput over single-stream throughput, measured in the same run. */
  speedRatio: number;
  crash: CrashRun;
}

/** Runs the baseline (one stream), the multi-connection download, then the kill-and-resume run. */
export async function runDownloadBench(options: DownloadBenchOptions): Promise<DownloadBenchResult> {
  const host = await startBenchHost(options.size, options.bytesPerSecond);
  try {
    // Generous timeout: the single stream needs size / cap seconds, plus a loaded machine.
    const timeoutMs = Math.max(60_000, (options.size / options.bytesPerSecond) * 3_000);
    const single = await timedDownload(host, 1, timeoutMs);
    const multi = await timedDownload(host, options.connections, timeoutMs);
    const crash = await crashAndResume(host, options.connections, options.killAt, timeoutMs);
    return { single, multi, speedRatio: single.bytesPerSecond > 0 ? multi.bytesPerSecond / single.bytesPerSecond : 0, crash };
  } finally {
    await host.close();
  }
}
