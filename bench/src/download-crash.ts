import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";

import { downloadJobSchema, parseValue } from "@comfycarry/shared";
import type { DownloadJob } from "@comfycarry/shared";
import { z } from "zod";

import { makeBenchDirs, sha256OfFile } from "./download-dirs.js";
import { BENCH_TOKEN, servedBytes } from "./download-fake.js";
import type { BenchHost } from "./download-fake.js";

const CHILD = new URL("./download-child.ts", import.meta.url).pathname;

const childLineSchema = z.union([
  z.object({ type: z.literal("ready"), aria2Pid: z.number().int().nullable() }),
  z.object({ type: z.literal("job"), job: downloadJobSchema }),
  z.object({ type: z.literal("added"), result: z.unknown() }),
]);

export interface CrashRun {
  connections: number;
  /** Share of the file the engine reported just before the kill. */
  killedAtFraction: number;
  /** File bytes the store sent over both runs. */
  servedBytes: number;
  /** Bytes sent beyond the file size: transferred before the kill but not kept. */
  wastedBytes: number;
  wastePercent: number;
  shaMatches: boolean;
}

interface EngineChild {
  child: ChildProcess;
  aria2Pid: number | null;
  waitFor(predicate: (job: DownloadJob) => boolean, timeoutMs: number): Promise<DownloadJob>;
}

/**
 * Starts a download in a child engine, kills the child and its aria2 with SIGKILL once
 * `fraction` of the file is reported, resumes with a fresh engine, and counts what the
 * store sent beyond the file size.
 */
export async function crashAndResume(host: BenchHost, connections: number, fraction: number, timeoutMs: number): Promise<CrashRun> {
  const dirs = await makeBenchDirs();
  const children = new Set<EngineChild>();
  try {
    const before = host.civitai.store.requests.length;
    const first = await startChild(host, dirs, connections, children, host.link);
    const partial = await first.waitFor((job) => job.total_bytes !== null && job.downloaded_bytes >= job.total_bytes * fraction, timeoutMs);
    killHard(first.child.pid);
    killHard(first.aria2Pid ?? undefined);
    if (partial.status !== "active") {
      throw new Error(`expected the job active at the kill, found ${partial.status}. Raise --size-mib or lower --cap-mib so the download lasts longer.`);
    }

    const second = await startChild(host, dirs, connections, children);
    const job = await second.waitFor((next) => next.status === "completed" || next.status === "failed", timeoutMs);
    if (job.status !== "completed" || job.file_name === null) {
      throw new Error(`resumed bench download ended ${job.status}: ${JSON.stringify(job.error)}`);
    }
    killHard(second.child.pid);
    killHard(second.aria2Pid ?? undefined);

    // Responses cut by the kill are logged when their sockets close, so wait a moment for them.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const served = servedBytes(host.civitai.store.requests.slice(before));
    const wasted = Math.max(0, served - host.file.size);
    const sha = await sha256OfFile(join(dirs.models, job.folder, job.file_name));
    return {
      connections,
      killedAtFraction: (partial.downloaded_bytes) / host.file.size,
      servedBytes: served,
      wastedBytes: wasted,
      wastePercent: (wasted / host.file.size) * 100,
      shaMatches: sha === (await host.file.sha256()),
    };
  } finally {
    for (const running of children) {
      killHard(running.child.pid);
      killHard(running.aria2Pid ?? undefined);
    }
    await dirs.cleanup();
  }
}

function killHard(pid: number | undefined): void {
  if (pid === undefined || pid <= 0) {
    return;
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

async function startChild(host: BenchHost, dirs: { state: string; models: string }, connections: number, children: Set<EngineChild>, link?: string): Promise<EngineChild> {
  const config = { state: dirs.state, models: dirs.models, civitaiHost: new URL(host.civitai.origin).host, token: BENCH_TOKEN, connections, ...(link === undefined ? {} : { link }) };
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(config)], { stdio: ["ignore", "pipe", "inherit"] });
  const waiters = new Set<(job: DownloadJob) => void>();
  let announce: (pid: number | null) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const ready = new Promise<number | null>((resolve, reject) => {
    announce = resolve;
    fail = reject;
  });
  child.once("exit", (code, signal) => fail(new Error(`bench engine child exited (code ${String(code)}, signal ${String(signal)}) before it was ready`)));

  createInterface({ input: child.stdout }).on("line", (line) => {
    const parsed = parseValue(childLineSchema, safeJson(line));
    if (!parsed.ok) {
      return;
    }
    if (parsed.value.type === "ready") {
      announce(parsed.value.aria2Pid);
    } else if (parsed.value.type === "job") {
      for (const waiter of waiters) {
        waiter(parsed.value.job);
      }
    }
  });

  const running: EngineChild = {
    child,
    aria2Pid: await ready,
    waitFor: (predicate, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`bench engine child sent no matching job event within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = (job: DownloadJob): void => {
          if (predicate(job)) {
            clearTimeout(timer);
            waiters.delete(waiter);
            resolve(job);
          }
        };
        waiters.add(waiter);
      }),
  };
  children.add(running);
  return running;
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line) as unknown;
  } catch {
    return null;
  }
}
