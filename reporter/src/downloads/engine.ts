import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import { Aria2Supervisor } from "./aria2/supervisor.js";
import { assertFits } from "./disk-space.js";
import { asFailure } from "./failure.js";
import { removePartial } from "./finalize.js";
import type { HostRegistry, TokenSource } from "./hosts.js";
import { failJob, finalizeJob, pollJob, startJob } from "./job-runner.js";
import type { RunnerContext } from "./job-runner.js";
import { normaliseLink } from "./links.js";
import { prepareTargetDir } from "./model-folders.js";
import { removeStrayPartials } from "./partials.js";
import { buildPreview } from "./preview.js";
import { QueueStore } from "./queue-store.js";
import type { JobRecord } from "./queue-store.js";
import { resolveSource } from "./resolve-source.js";
import { addDownloadRequestSchema } from "./schemas.js";
import type { AddDownloadRequest, AddDownloadResult, DownloadJob, DownloadPreview } from "./schemas.js";

export interface DownloadEngineOptions {
  /** Directory for the queue database and aria2's session marker. */
  stateDir: string;
  /** ComfyUI's `models` directory; every target folder is below it. */
  modelsRoot: string;
  hosts: HostRegistry;
  tokens: TokenSource;
  logger: Logger;
  aria2Path?: string;
  /** Files downloaded at once (each with several connections); 1 unless set. */
  maxActive?: number;
  /** Connections per file; 8 unless set (aria2 allows at most 16 per server). */
  connectionsPerFile?: number;
  /** aria2 `min-split-size`; `1M` unless set, so even small files use several connections. */
  minSplitSize?: string;
  pollIntervalMs?: number;
  userAgent?: string;
  /** Resolution timeout per HTTP request; 30 s unless set. */
  timeoutMs?: number;
  /** Lookup into the local model library by SHA-256; none until the library index exists. */
  installedFileWithHash?: (sha256: string) => string | null;
}

export interface DownloadEngineEvents {
  /** A job changed: status, progress or error. Sent on every poll for active jobs. */
  job: [DownloadJob];
}

/** The downloads overview section (matches the shared `downloadsSchema` available branch). */
export interface DownloadsOverview {
  available: true;
  active_count: number;
  queue_count: number;
  current: { name: string; downloaded_bytes: number; total_bytes: number | null; speed_bytes_per_s: number } | null;
}

/**
 * The download queue: jobs in SQLite, bytes moved by a supervised aria2. Survives reporter
 * and aria2 restarts by resuming partial files from their control files.
 */
export class DownloadEngine extends EventEmitter<DownloadEngineEvents> {
  private readonly store: QueueStore;
  private readonly aria2: Aria2Supervisor;
  private readonly context: RunnerContext;
  private readonly maxActive: number;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  /** Whether a tick was requested while one ran, so one more runs after it. */
  private tickAgain = false;
  /**
   * Whether no job is queued, active or verifying. The poll timer then skips its ticks, each
   * of which costs three queries and a wake-up of an idle process. A call that queues a job
   * ticks at once, and that tick clears this.
   */
  private idle = false;
  private closed = false;

  private constructor(private readonly options: DownloadEngineOptions) {
    super();
    this.store = new QueueStore(join(options.stateDir, "downloads.sqlite"));
    this.maxActive = options.maxActive ?? 1;
    this.aria2 = new Aria2Supervisor({
      stateDir: options.stateDir,
      aria2Path: options.aria2Path ?? "aria2c",
      maxConcurrent: this.maxActive,
      logger: options.logger.child({ component: "aria2" }),
      onRestart: () => this.requeueActive("aria2 restarted"),
    });
    this.context = {
      store: this.store,
      rpc: () => this.aria2.rpc,
      hosts: options.hosts,
      tokens: options.tokens,
      userAgent: options.userAgent ?? "ComfyCarry-reporter/0.1",
      timeoutMs: options.timeoutMs ?? 30_000,
      modelsRoot: options.modelsRoot,
      connectionsPerFile: options.connectionsPerFile ?? 8,
      minSplitSize: options.minSplitSize ?? "1M",
      maxReresolves: 3,
      logger: options.logger,
      emit: (job) => this.emit("job", toWire(job)),
      unsaved: new Set(),
    };
  }

  /** Opens the queue, ends a crashed predecessor's aria2, adopts its partial files and starts working. */
  static async open(options: DownloadEngineOptions): Promise<DownloadEngine> {
    await mkdir(options.stateDir, { recursive: true, mode: 0o700 });
    const engine = new DownloadEngine(options);
    await engine.aria2.start();
    await engine.recover();
    engine.timer = setInterval(() => {
      if (!engine.idle) {
        engine.tick();
      }
    }, options.pollIntervalMs ?? 500);
    engine.tick();
    return engine;
  }

  /** Whether the poll timer skips its ticks because no job is queued, active or verifying. */
  get isIdle(): boolean {
    return this.idle;
  }

  /** The aria2 process id, for diagnostics and crash tests. */
  get aria2Pid(): number | null {
    return this.aria2.pid;
  }

  private async recover(): Promise<void> {
    const known = new Set(this.store.list().flatMap((job) => (job.temp_name === null ? [] : [job.temp_name])));
    await removeStrayPartials(this.options.modelsRoot, known, this.options.logger);
    this.requeueActive("reporter restarted");
    for (const job of this.store.withStatus("verifying")) {
      await finalizeJob(this.context, job);
    }
  }

  /** Puts jobs aria2 no longer has back at the head of the queue; they resume from their partial files. */
  private requeueActive(reason: string): void {
    for (const job of this.store.withStatus("active")) {
      this.options.logger.info({ job: job.id, reason }, "resuming download");
      this.context.unsaved.add(job.id);
      this.context.emit(this.store.update(job.id, { status: "queued", gid: null, speed_bytes_per_s: 0 }));
    }
  }

  /** Resolves a link without downloading: normalised URL, file name, size, folder, free space, duplicates. */
  async preview(request: AddDownloadRequest): Promise<DownloadPreview> {
    const parsed = parseRequest(request);
    const link = normaliseLink(parsed.url, this.options.hosts);
    const resolved = await resolveSource(link, this.context, parsed.civitai_file_id);
    const preview = await buildPreview({
      link,
      resolved,
      modelsRoot: this.options.modelsRoot,
      folder: parsed.folder,
      civitaiFileId: parsed.civitai_file_id ?? null,
      store: this.store,
      installedFileWithHash: this.options.installedFileWithHash ?? (() => null),
    });
    return resolved.civitai === null ? preview : { ...preview, civitai_files: resolved.civitai.files, civitai_file_id: resolved.civitai.fileId };
  }

  /**
   * Adds a link to the queue. Refuses when the file does not fit (size + 5 %), reports
   * duplicates unless `allow_duplicate`, and records a job as failed when the link does
   * not resolve (token missing, gated repo), so the user can fix it and retry.
   */
  async add(request: AddDownloadRequest): Promise<AddDownloadResult> {
    const parsed = parseRequest(request);
    let link;
    try {
      link = normaliseLink(parsed.url, this.options.hosts);
    } catch (error) {
      return { outcome: "refused", error: asFailure(error).toInfo(), preview: null };
    }

    let preview: DownloadPreview;
    try {
      preview = await this.preview(parsed);
    } catch (error) {
      const failure = asFailure(error);
      if (failure.code === "invalid_target" || failure.code === "unsupported_link") {
        return { outcome: "refused", error: failure.toInfo(), preview: null };
      }
      const job = this.insert(link.kind, link.url, parsed.folder ?? "checkpoints", null, null, null, parsed.civitai_file_id ?? null);
      await failJob(this.context, job, failure, true);
      return { outcome: "added", job: toWire(this.store.require(job.id)) };
    }

    if (!preview.fits) {
      try {
        assertFits(preview.total_bytes ?? 0, 0, preview.free_bytes, join(this.options.modelsRoot, preview.folder));
      } catch (error) {
        return { outcome: "refused", error: asFailure(error).toInfo(), preview };
      }
    }
    if (preview.duplicates.length > 0 && parsed.allow_duplicate !== true) {
      return { outcome: "duplicate", preview };
    }
    const job = this.insert(link.kind, link.url, preview.folder, preview.file_name, preview.total_bytes, preview.sha256, parsed.civitai_file_id ?? null);
    this.context.emit(job);
    this.tick();
    return { outcome: "added", job: toWire(job) };
  }

  private insert(...[kind, url, folder, fileName, total, sha, fileId]: [JobRecord["source_kind"], string, string, string | null, number | null, string | null, number | null]): JobRecord {
    return this.store.insert({ id: randomUUID(), source_kind: kind, url, folder, file_name: fileName, total_bytes: total, sha256: sha, civitai_file_id: fileId });
  }

  /** Stops a queued or active job and keeps its partial file for `resume`. */
  async pause(id: string): Promise<DownloadJob> {
    const job = this.requireJob(id, ["queued", "active"]);
    await this.stopTransfer(job);
    const paused = this.store.update(id, { status: "paused", gid: null, speed_bytes_per_s: 0 });
    this.context.emit(paused);
    return toWire(paused);
  }

  async resume(id: string): Promise<DownloadJob> {
    this.requireJob(id, ["paused"]);
    const job = this.store.update(id, { status: "queued" });
    this.context.emit(job);
    this.tick();
    return toWire(job);
  }

  /** Stops a job and deletes its partial file. */
  async cancel(id: string): Promise<DownloadJob> {
    const job = this.requireJob(id, ["queued", "active", "paused", "failed"]);
    await this.stopTransfer(job);
    if (job.temp_name !== null) {
      await removePartial(join(await prepareTargetDir(this.options.modelsRoot, job.folder), job.temp_name));
    }
    const canceled = this.store.update(id, { status: "canceled", gid: null, temp_name: null, speed_bytes_per_s: 0, finished_at: new Date().toISOString() });
    this.context.emit(canceled);
    return toWire(canceled);
  }

  /** Queues a failed or canceled job again; a kept partial file is resumed. */
  async retry(id: string): Promise<DownloadJob> {
    this.requireJob(id, ["failed", "canceled"]);
    const job = this.store.update(id, { status: "queued", error: null, reresolves: 0, finished_at: null });
    this.context.emit(job);
    this.tick();
    return toWire(job);
  }

  /** Moves a job to `index` (0-based) in the queue order. */
  reorder(id: string, index: number): DownloadJob[] {
    this.requireJob(id, ["queued", "active", "paused", "verifying", "completed", "failed", "canceled"]);
    this.store.reorder(id, index);
    return this.list();
  }

  list(): DownloadJob[] {
    return this.store.list().map(toWire);
  }

  get(id: string): DownloadJob | null {
    const job = this.store.get(id);
    return job === null ? null : toWire(job);
  }

  overview(): DownloadsOverview {
    const jobs = this.store.list();
    const active = jobs.filter((job) => job.status === "active" || job.status === "verifying");
    const current = active[0];
    return {
      available: true,
      active_count: active.length,
      queue_count: jobs.filter((job) => job.status === "queued").length,
      current:
        current === undefined
          ? null
          : { name: current.file_name ?? current.url, downloaded_bytes: current.downloaded_bytes, total_bytes: current.total_bytes, speed_bytes_per_s: current.speed_bytes_per_s },
    };
  }

  /** Stops polling and shuts aria2 down; unfinished jobs stay `active` and resume on the next open. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) {
      clearInterval(this.timer);
    }
    await this.ticking;
    for (const job of this.store.withStatus("active")) {
      await this.stopTransfer(job);
    }
    await this.aria2.stop();
    this.store.close();
  }

  private requireJob(id: string, allowed: JobRecord["status"][]): JobRecord {
    const job = this.store.get(id);
    if (job === null) {
      throw new ComfyCarryError("not_found", `download job ${id} not found`, { id });
    }
    if (!allowed.includes(job.status)) {
      throw new ComfyCarryError("invalid_arguments", `download job ${id} is ${job.status}; this action needs one of ${allowed.join(", ")}`, { id, status: job.status });
    }
    return job;
  }

  private async stopTransfer(job: JobRecord): Promise<void> {
    const rpc = this.aria2.rpc;
    if (job.gid === null || rpc === null) {
      return;
    }
    await rpc.remove(job.gid).catch(() => undefined);

    // aria2 removes asynchronously; wait so the partial file is closed and its control file saved.
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline) {
      const status = await rpc.tellStatus(job.gid).catch(() => null);
      if (status === null || status.status === "removed" || status.status === "complete" || status.status === "error") {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await rpc.removeDownloadResult(job.gid).catch(() => undefined);
  }

  private tick(): void {
    if (this.closed) {
      return;
    }
    this.idle = false;
    if (this.ticking !== null) {
      this.tickAgain = true;
      return;
    }
    this.ticking = this.runTick()
      .catch((error: unknown) => this.options.logger.error({ err: error }, "download queue tick failed"))
      .finally(() => {
        this.ticking = null;
        if (this.tickAgain) {
          this.tickAgain = false;
          this.tick();
        }
      });
  }

  private async runTick(): Promise<void> {
    for (const job of this.store.withStatus("active")) {
      await pollJob(this.context, job);
    }
    let running = this.store.withStatus("active", "verifying").length;
    for (const job of this.store.withStatus("queued")) {
      if (running >= this.maxActive || this.aria2.rpc === null || this.closed) {
        break;
      }
      running += 1;
      await startJob(this.context, job);
    }
    this.idle = this.store.withStatus("active", "verifying", "queued").length === 0;
  }
}

function parseRequest(request: AddDownloadRequest): AddDownloadRequest {
  const parsed = addDownloadRequestSchema.safeParse(request);
  if (!parsed.success) {
    throw new ComfyCarryError("invalid_arguments", `invalid download request: ${parsed.error.message}`);
  }
  return parsed.data;
}

function toWire(job: JobRecord): DownloadJob {
  return {
    id: job.id,
    position: job.position,
    status: job.status,
    source_kind: job.source_kind,
    url: job.url,
    folder: job.folder,
    file_name: job.file_name,
    total_bytes: job.total_bytes,
    downloaded_bytes: job.downloaded_bytes,
    speed_bytes_per_s: job.speed_bytes_per_s,
    sha256: job.sha256,
    error: job.error,
    created_at: job.created_at,
    updated_at: job.updated_at,
    finished_at: job.finished_at,
  };
}
