import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, openSync, closeSync, ftruncateSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";

import { REPORTER_NODE_ARGS, findFreePort, paths, waitFor } from "@comfycarry/stack";
import { z } from "zod";

import { rssBytes } from "./process-usage.js";
import { timedDownload, timedUpload } from "./proxy-transfer.js";
import type { Transfer } from "./proxy-transfer.js";

const CHILD = new URL("./proxy-child.ts", import.meta.url).pathname;
const VIEW_FILE = "bench-view.bin";
const BENCH_TOKEN = "cca_bench_token";
const RSS_SAMPLE_MS = 50;
/** Size of the warm-up transfers, which load every code path once before anything is timed. */
const WARM_UP_BYTES = 4 * 1024 * 1024;
const WARM_UP_FILE = "bench-warm-up.bin";

export interface ProxyBenchOptions {
  /** Bytes per upload and per download. */
  size: number;
}

/**
 * One direction, measured as direct, proxied, proxied again, direct again, so that neither
 * path gains from running second (the simulator itself is slower on its first large body).
 */
export interface ProxyDirection {
  direct: Transfer[];
  proxied: Transfer[];
  /** Proxied throughput over direct throughput, each over both of its runs. */
  ratio: number;
  /** Peak RSS of the proxy process during its first large transfer minus its RSS just before. */
  rssGrowthFirstBytes: number;
  /** The same for the second proxied transfer, once V8 has sized its heap for this traffic. */
  rssGrowthRepeatBytes: number;
  /** RSS of the proxy process just before its first large transfer. */
  rssBeforeBytes: number;
}

export interface ProxyBenchResult {
  upload: ProxyDirection;
  download: ProxyDirection;
}

/** Starts the ComfyUI simulator with an upload limit above `size` and waits until its /system_stats responds. */
async function startSimulator(baseDir: string, size: number): Promise<{ child: ChildProcess; port: number }> {
  const port = await findFreePort();
  const maxUploadMb = String(Math.ceil(Math.max(size, WARM_UP_BYTES) / (1024 * 1024)) + 16);
  const child = spawn(process.execPath, [paths.simulatorEntry, "--listen", "127.0.0.1", "--port", String(port), "--base-directory", baseDir, "--max-upload-size", maxUploadMb], { stdio: "ignore" });
  await waitFor(`the ComfyUI simulator on port ${port}`, async () => (await fetch(`http://127.0.0.1:${port}/system_stats`).catch(() => null))?.ok === true, 30_000);
  return { child, port };
}

/** Starts the access proxy in its own process and returns it with its port. */
async function startProxy(comfyuiUrl: string, stateDir: string): Promise<{ child: ChildProcess; port: number }> {
  // The reporter runs with these Node flags and this glibc setting (bootstrap.sh), so its RSS is measured under them too.
  const child = spawn(process.execPath, [...REPORTER_NODE_ARGS, "--import", "tsx", CHILD, JSON.stringify({ comfyuiUrl, stateDir, token: BENCH_TOKEN })], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, MALLOC_ARENA_MAX: "2" },
  });
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  for await (const line of lines) {
    const ready = z.object({ type: z.literal("ready"), port: z.number() }).safeParse(JSON.parse(line));
    if (ready.success) {
      return { child, port: ready.data.port };
    }
  }
  throw new Error("the access proxy child exited before it listened");
}

/** Runs `work` while sampling the RSS of `pid`; returns the result and the peak growth over the RSS before. */
async function withRssGrowth<T>(pid: number, work: () => Promise<T>): Promise<{ value: T; growthBytes: number; beforeBytes: number }> {
  const before = await rssBytes(pid);
  let peak = before;
  const sampler = setInterval(() => {
    rssBytes(pid).then(
      (value) => {
        peak = Math.max(peak, value);
      },
      () => undefined,
    );
  }, RSS_SAMPLE_MS);
  try {
    const value = await work();
    peak = Math.max(peak, await rssBytes(pid));
    return { value, growthBytes: peak - before, beforeBytes: before };
  } finally {
    clearInterval(sampler);
  }
}

/** Combined throughput of several transfers: all bytes over all seconds. */
function throughput(runs: readonly Transfer[]): number {
  const bytes = runs.reduce((sum, run) => sum + run.bytes, 0);
  const seconds = runs.reduce((sum, run) => sum + run.seconds, 0);
  return seconds > 0 ? bytes / seconds : 0;
}

/** Runs one direction as direct, proxied, proxied, direct; `after` runs after each transfer. */
async function measureDirection(
  proxyPid: number,
  transfer: (port: number, headers: Record<string, string>, run: string) => Promise<Transfer>,
  ports: { sim: number; proxy: number; auth: Record<string, string> },
  after: () => void,
): Promise<ProxyDirection> {
  const direct: Transfer[] = [];
  const proxied: Transfer[] = [];

  direct.push(await transfer(ports.sim, {}, "direct-1"));
  after();
  const first = await withRssGrowth(proxyPid, () => transfer(ports.proxy, ports.auth, "proxied-1"));
  proxied.push(first.value);
  after();
  const repeat = await withRssGrowth(proxyPid, () => transfer(ports.proxy, ports.auth, "proxied-2"));
  proxied.push(repeat.value);
  after();
  direct.push(await transfer(ports.sim, {}, "direct-2"));
  after();

  return {
    direct,
    proxied,
    ratio: throughput(proxied) / throughput(direct),
    rssGrowthFirstBytes: first.growthBytes,
    rssGrowthRepeatBytes: repeat.growthBytes,
    rssBeforeBytes: first.beforeBytes,
  };
}

/** Creates a file of `size` zero bytes that takes no disk space (a sparse file). */
function createSparseFile(path: string, size: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, "w");
  try {
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

/** Deletes what the uploads left in the simulator's input folder, so no large file stays on disk. */
function clearUploads(baseDir: string): void {
  const input = join(baseDir, "input");
  for (const name of readdirSync(input)) {
    if (name.startsWith("bench-upload")) {
      rmSync(join(input, name), { force: true });
    }
  }
}

/**
 * Uploads and downloads `size` bytes directly to the ComfyUI simulator and then through the
 * access proxy, and measures the proxy process's RSS during its transfers. The download reads a
 * sparse file, which takes no disk space; each upload is deleted as soon as it is timed.
 */
export async function runProxyBench(options: ProxyBenchOptions): Promise<ProxyBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "cc-bench-proxy-"));
  const baseDir = join(dir, "comfyui");
  let simulator: ChildProcess | null = null;
  let proxy: ChildProcess | null = null;
  try {
    const sim = await startSimulator(baseDir, options.size);
    simulator = sim.child;
    const started = await startProxy(`http://127.0.0.1:${sim.port}`, join(dir, "state"));
    proxy = started.child;
    const proxyPid = proxy.pid ?? 0;
    const auth = { authorization: `Bearer ${BENCH_TOKEN}` };

    createSparseFile(join(baseDir, "output", VIEW_FILE), options.size);
    createSparseFile(join(baseDir, "output", WARM_UP_FILE), WARM_UP_BYTES);

    // One small transfer each way on both paths first, so module loading and first-use
    // allocations in either process count neither as growth nor as time.
    for (const [port, headers] of [[sim.port, {}], [started.port, auth]] as const) {
      await timedUpload(port, WARM_UP_BYTES, "bench-upload-warm-up.bin", headers);
      await timedDownload(port, WARM_UP_FILE, headers);
      clearUploads(baseDir);
    }

    const upload = await measureDirection(proxyPid, (port, headers, run) => timedUpload(port, options.size, `bench-upload-${run}.bin`, headers), { sim: sim.port, proxy: started.port, auth }, () => clearUploads(baseDir));
    const download = await measureDirection(proxyPid, (port, headers) => timedDownload(port, VIEW_FILE, headers), { sim: sim.port, proxy: started.port, auth }, () => undefined);
    return { upload, download };
  } finally {
    proxy?.kill("SIGTERM");
    simulator?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}
