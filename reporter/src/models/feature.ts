import { join } from "node:path";

import type { Overview, ProtocolEvent } from "@comfycarry/shared";

import type { ModelSettings } from "../config/load.js";
import { DownloadEngine } from "../downloads/engine.js";
import type { DownloadEngineOptions } from "../downloads/engine.js";
import { HostRegistry } from "../downloads/hosts.js";
import type { TokenSource } from "../downloads/hosts.js";
import { JobEventThrottle } from "../downloads/job-events.js";
import type { DownloadJob } from "../downloads/schemas.js";
import type { Logger } from "../log/logger.js";
import { CivitaiSearch } from "./civitai-search.js";
import { ModelLibrary } from "./library.js";
import type { ModelLibraryOptions } from "./library.js";

export interface ModelsFeatureOptions {
  comfyuiDir: string;
  /** The reporter's state folder; the queue and the index go to subfolders. */
  stateDir: string;
  settings: ModelSettings;
  log: Logger;
  emit: (event: ProtocolEvent) => void;
  /** Tests shorten poll intervals and connection counts. */
  engine?: Partial<DownloadEngineOptions>;
  library?: Partial<ModelLibraryOptions>;
}

const USER_AGENT = "ComfyCarry-reporter/0.1";
const TIMEOUT_MS = 30_000;

/**
 * The Models page's back end: the download queue, the local library and CivitAI search,
 * wired together. The queue needs aria2. When aria2 cannot start, the library still runs
 * and the queue commands fail with the reason.
 */
export class ModelsFeature {
  readonly hosts: HostRegistry;
  readonly tokens: TokenSource;
  readonly search: CivitaiSearch;
  private readonly throttle: JobEventThrottle;

  private constructor(
    private readonly options: ModelsFeatureOptions,
    readonly library: ModelLibrary,
    readonly engine: DownloadEngine | null,
    readonly engineError: string | null,
    hosts: HostRegistry,
  ) {
    this.hosts = hosts;
    this.tokens = options.settings.tokens;
    this.throttle = new JobEventThrottle(options.emit);
    this.search = new CivitaiSearch({ baseUrl: options.settings.civitaiBaseUrl, hosts, tokens: options.settings.tokens, userAgent: USER_AGENT, timeoutMs: TIMEOUT_MS });
    engine?.on("job", (job) => this.onJob(job));
  }

  static async start(options: ModelsFeatureOptions): Promise<ModelsFeature> {
    const log = options.log.child({ component: "models" });
    const { settings } = options;
    const hosts = new HostRegistry({ hfEndpoint: settings.hfEndpoint, testOnlyLoopbackHosts: settings.testOnlyLoopbackHosts });
    let engine: DownloadEngine | null = null;

    const library = await ModelLibrary.open({
      comfyuiDir: options.comfyuiDir,
      extraPathFiles: settings.extraModelPathFiles,
      stateDir: join(options.stateDir, "models"),
      lookup: { baseUrl: settings.civitaiBaseUrl, hosts, tokens: settings.tokens, userAgent: USER_AGENT, timeoutMs: TIMEOUT_MS },
      log,
      emit: options.emit,
      isBusy: () => (engine?.overview().active_count ?? 0) > 0,
      ...options.library,
    });

    let engineError: string | null = null;
    try {
      engine = await DownloadEngine.open({
        stateDir: join(options.stateDir, "downloads"),
        modelsRoot: library.modelsDir,
        hosts,
        tokens: settings.tokens,
        logger: options.log.child({ component: "downloads" }),
        aria2Path: settings.aria2Path,
        userAgent: USER_AGENT,
        installedFileWithHash: (sha256) => library.installedFileWithHash(sha256),
        ...options.engine,
      });
    } catch (error) {
      engineError = error instanceof Error ? error.message : String(error);
      log.error({ err: error }, "the download queue could not start; the model library runs without it");
    }
    log.info({ models_dir: library.modelsDir, downloads: engine !== null, hf_endpoint: hosts.hfEndpoint, tokens: settings.tokens.toJSON() }, "models feature started");
    return new ModelsFeature(options, library, engine, engineError, hosts);
  }

  /** Returns the overview's `downloads` section. */
  overview(): Overview["downloads"] {
    if (this.engine === null) {
      return { available: false, reason: "error", detail: (this.engineError ?? "the download queue is not running").slice(0, 500) };
    }
    return this.engine.overview();
  }

  private onJob(job: DownloadJob): void {
    this.throttle.push(job);
    if (job.status !== "completed" || job.file_name === null) {
      return;
    }
    const path = join(this.library.modelsDir, job.folder, job.file_name);
    const update = job.sha256 === null ? this.library.rescan() : this.library.adoptHash(path, job.sha256);
    update.catch((error: unknown) => this.options.log.warn({ job: job.id, err: error }, "model library update after a download failed"));
  }

  async stop(): Promise<void> {
    this.throttle.close();
    await this.engine?.close();
    await this.library.close();
  }
}
