import { join } from "node:path";

import { ComfyCarryError, toUtcTimestamp } from "@comfycarry/shared";
import type { Overview, ProtocolEvent, SyncEngineState } from "@comfycarry/shared";

import type { Logger } from "../../log/logger.js";
import { SyncEngine } from "../engine/sync-engine.js";
import type { SyncEngineEvents, SyncEngineOptions } from "../engine/options.js";
import { ConfFile } from "../remotes/conf-file.js";
import { seedRcloneConf } from "./conf-seed.js";
import { ConfUpload } from "./conf-upload.js";
import type { SecretChannel } from "./conf-upload.js";
import type { SyncSettings } from "./settings.js";
import { wireJob, wireProgress, wireRuleStatus } from "./wire.js";

export interface SyncServiceOptions {
  /** The reporter's state dir; rclone.conf and the sync folder live under it. */
  stateDir: string;
  workspaceDir: string;
  settings: SyncSettings;
  log: Logger;
  /** Sends a protocol event to the edge. */
  emit: (event: ProtocolEvent) => void;
  /** Asks for a snapshot outside the cadence, so the overview's sync line follows a finished job. */
  snapshotSoon: () => void;
  channel: SecretChannel;
  /** Engine settings for tests (retry timing, watch timing). */
  engine?: Partial<SyncEngineOptions>;
}

/** Minimum time between two progress events of one job, in ms. */
const PROGRESS_EVENT_MS = 1_000;

/**
 * Cloud sync inside the reporter: seeds rclone.conf, runs the engine, turns its callbacks
 * into protocol events and sends a rewritten rclone.conf back to the edge. A missing
 * rclone leaves the reporter running with sync marked unavailable.
 */
export class SyncService {
  readonly #options: SyncServiceOptions;
  readonly #log: Logger;
  readonly confPath: string;
  readonly upload: ConfUpload;
  #engine: SyncEngine | null = null;
  /** The engine being started; its callbacks may fire before start() returns. */
  #candidate: SyncEngine | null = null;
  #state: SyncEngineState["state"] = "stopped";
  #detail: string | null = null;
  readonly #progressSentAt = new Map<string, number>();

  constructor(options: SyncServiceOptions) {
    this.#options = options;
    this.#log = options.log.child({ component: "sync-service" });
    this.confPath = options.engine?.configPath ?? join(options.stateDir, "rclone.conf");
    this.upload = new ConfUpload(new ConfFile(this.confPath), join(options.stateDir, "sync", "rclone-conf-unsent.sha256"), options.channel, this.#log);
  }

  get state(): SyncEngineState["state"] {
    return this.#state;
  }

  /** Seeds rclone.conf and starts the engine; failures are logged and shown, never thrown. */
  async start(): Promise<void> {
    const settings = this.#options.settings;
    if (!settings.enabled) {
      this.#setUnavailable("stopped", "cloud sync is turned off (COMFYCARRY_SYNC=0)");
      return;
    }
    this.#state = "starting";

    try {
      if (settings.initialConf !== null) {
        await seedRcloneConf(settings.initialConf, this.confPath, join(this.#options.stateDir, "sync", "rclone-conf-seed.sha256"), this.#log);
      }
      const engine = new SyncEngine({
        stateDir: this.#options.stateDir,
        workspaceDir: this.#options.workspaceDir,
        log: this.#options.log,
        rcloneBinary: settings.rcloneBinary,
        maxParallel: settings.maxParallel,
        ...(settings.watchStableMs === undefined ? {} : { watch: { stableMs: settings.watchStableMs } }),
        ...this.#options.engine,
        configPath: this.confPath,
        events: this.#events(),
      });
      this.#candidate = engine;
      await engine.start();
      this.#engine = engine;
      this.#state = "running";
      this.#detail = null;
      this.#log.info({ rules: engine.listRules().length, rclone: engine.capabilities.version.text }, "cloud sync started");
    } catch (error) {
      this.#log.error({ err: error }, "cloud sync could not start; the reporter runs without it");
      this.#setUnavailable("unavailable", error instanceof Error ? error.message.slice(0, 1000) : String(error));
    }
    this.#options.snapshotSoon();
  }

  async stop(): Promise<void> {
    const engine = this.#engine;
    this.#engine = null;
    this.#candidate = null;
    this.#state = "stopped";
    await engine?.stop();
  }

  /** Returns the running engine, or throws `sync_failed` saying why there is none. */
  engine(): SyncEngine {
    if (this.#engine === null) {
      const detail = this.#detail ?? `the sync engine is ${this.#state}`;
      throw new ComfyCarryError("sync_failed", `cloud sync is not available: ${detail}`, { reason: "engine_unavailable" });
    }
    return this.#engine;
  }

  async engineState(): Promise<SyncEngineState> {
    return {
      state: this.#state,
      detail: this.#detail,
      rclone_version: this.#engine?.capabilities.version.text ?? null,
      config_present: (await new ConfFile(this.confPath).read()) !== null,
      max_parallel: this.#options.settings.maxParallel,
    };
  }

  /** The overview's `sync` section. */
  section(): Overview["sync"] {
    const engine = this.#engine;
    if (engine === null) {
      const reason = this.#state === "unavailable" ? "error" : "not_configured";
      return this.#detail === null ? { available: false, reason } : { available: false, reason, detail: this.#detail.slice(0, 500) };
    }
    if (engine.listRules().length === 0) {
      return { available: false, reason: "not_configured", detail: "no sync rules yet" };
    }
    return engine.overviewSection();
  }

  /** Called on each welcome from the edge: delivers a rclone.conf change that is still waiting. */
  async onEdgeWelcome(): Promise<void> {
    try {
      await this.upload.flush();
    } catch (error) {
      this.#log.warn({ err: error }, "could not deliver the changed rclone.conf to the edge");
    }
  }

  #setUnavailable(state: SyncEngineState["state"], detail: string): void {
    this.#state = state;
    this.#detail = detail;
  }

  #events(): SyncEngineEvents {
    const emit = this.#options.emit;
    const at = (): string => toUtcTimestamp();
    return {
      onJobStarted: (job) => {
        const rule = this.#candidate?.listRules().find((candidate) => candidate.id === job.rule_id);
        emit({ kind: "sync.job.started", at: at(), job: wireJob(job), rule_name: rule?.name ?? job.rule_id });
      },
      onJobProgress: ({ job_id: jobId, rule_id: ruleId, progress }) => {
        const now = Date.now();
        const last = this.#progressSentAt.get(jobId) ?? 0;
        if (now - last < PROGRESS_EVENT_MS) {
          return;
        }
        this.#progressSentAt.set(jobId, now);
        emit({ kind: "sync.job.progress", at: at(), job_id: jobId, rule_id: ruleId, progress: wireProgress(progress) });
      },
      onJobFinished: (job, failure) => {
        this.#progressSentAt.delete(job.id);
        emit({ kind: "sync.job.finished", at: at(), job: wireJob(job), failure });
        this.#options.snapshotSoon();
      },
      onRuleStatus: (status) => {
        emit({ kind: "sync.rule.status", at: at(), status: wireRuleStatus(status) });
        if (status.status !== "running") {
          this.#options.snapshotSoon();
        }
      },
      onConfigChanged: (change) => {
        this.upload.changed(change.sha256).catch((error: unknown) => {
          this.#log.warn({ err: error, sha256: change.sha256 }, "could not record the rclone.conf change for the edge");
        });
      },
    };
  }
}
