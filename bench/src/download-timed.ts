import { join } from "node:path";

import { DownloadEngine } from "../../reporter/src/downloads/engine.js";
import { HostRegistry } from "../../reporter/src/downloads/hosts.js";
import type { DownloadJob } from "../../reporter/src/downloads/schemas.js";
import { createRootLogger } from "../../reporter/src/log/logger.js";
import { makeBenchDirs, sha256OfFile } from "./download-dirs.js";
import { BENCH_TOKEN, servedBytes, transferSeconds } from "./download-fake.js";
import type { BenchHost } from "./download-fake.js";

export interface TimedRun {
  connections: number;
  /** Store-side transfer window: first file request to last response end. */
  transferSeconds: number;
  /** Link added to job completed, including resolution and the engine's hash check. */
  wallSeconds: number;
  bytesPerSecond: number;
  shaMatches: boolean;
}

/** Downloads the host's file once through a fresh engine with `connections` per file. */
export async function timedDownload(host: BenchHost, connections: number, timeoutMs: number): Promise<TimedRun> {
  const dirs = await makeBenchDirs();
  const engine = await DownloadEngine.open({
    stateDir: dirs.state,
    modelsRoot: dirs.models,
    hosts: new HostRegistry({ testOnlyLoopbackHosts: { [new URL(host.civitai.origin).host]: "civitai" } }),
    tokens: { get: (kind) => (kind === "civitai" ? BENCH_TOKEN : null) },
    logger: createRootLogger({ level: process.env.COMFYCARRY_BENCH_LOG ?? "silent", destination: process.stderr }),
    pollIntervalMs: 100,
    connectionsPerFile: connections,
  });
  try {
    const before = host.civitai.store.requests.length;
    const started = Date.now();
    const added = await engine.add({ url: host.link });
    if (added.outcome !== "added") {
      throw new Error(`the engine did not queue the bench file: ${JSON.stringify(added)}`);
    }
    const job = await finished(engine, added.job.id, timeoutMs);
    const wallSeconds = (Date.now() - started) / 1000;
    if (job.status !== "completed" || job.file_name === null) {
      throw new Error(`bench download with ${connections} connection(s) ended ${job.status}: ${JSON.stringify(job.error)}`);
    }

    const requests = host.civitai.store.requests.slice(before);
    const seconds = transferSeconds(requests);
    const sha = await sha256OfFile(join(dirs.models, job.folder, job.file_name));
    return {
      connections,
      transferSeconds: seconds,
      wallSeconds,
      bytesPerSecond: seconds > 0 ? servedBytes(requests) / seconds : 0,
      shaMatches: sha === (await host.file.sha256()),
    };
  } finally {
    await engine.close();
    await dirs.cleanup();
  }
}

function finished(engine: DownloadEngine, id: string, timeoutMs: number): Promise<DownloadJob> {
  return new Promise((resolve, reject) => {
    const done = (job: DownloadJob | null): boolean => {
      if (job === null || job.id !== id || (job.status !== "completed" && job.status !== "failed" && job.status !== "canceled")) {
        return false;
      }
      clearTimeout(timer);
      engine.off("job", listener);
      resolve(job);
      return true;
    };
    const listener = (job: DownloadJob): void => {
      done(job);
    };
    const timer = setTimeout(() => {
      engine.off("job", listener);
      reject(new Error(`bench download ${id} timed out after ${timeoutMs} ms. Last state: ${JSON.stringify(engine.get(id))}`));
    }, timeoutMs);
    engine.on("job", listener);
    done(engine.get(id));
  });
}
