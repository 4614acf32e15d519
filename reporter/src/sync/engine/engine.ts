import { randomUUID } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";

import type { Logger } from "../../log/logger.js";
import { JobHistory } from "../jobs/history.js";
import type { JobQuery, JobRecord } from "../jobs/history.js";
import { runJob } from "../jobs/run-job.js";
import type { JobResult } from "../jobs/run-job.js";
import { describeFailure } from "../rclone/classify.js";
import { runRclone } from "../rclone/runner.js";
import type { RcloneEnvironment, RcloneRun, RcloneRunOptions } from "../rclone/runner.js";
import { detectRclone } from "../rclone/version.js";
import type { RcloneCapabilities } from "../rclone/version.js";
import { ConfFile } from "../remotes/conf-file.js";
import { ConfigChangeDetector } from "../remotes/config-change.js";
import { RemoteInfoCache } from "../remotes/remote-cache.js";
import { listRemotes, remoteFeatures, testRemote } from "../remotes/remotes.js";
import type { RemoteInfo, RemoteInfoSource, RemoteTestResult } from "../remotes/remotes.js";
import { resolveLocalPath } from "../rules/local-path.js";
import { RuleStore } from "../rules/store.js";
import { resolveOptions } from "./options.js";
import type { ResolvedOptions, SyncEngineOptions } from "./options.js";
import { handleFailure } from "./retry-policy.js";
import { RuleRuntime } from "./rule-runtime.js";
import type { RunRequest } from "./rule-runtime.js";
import { RuleWatcher } from "./watch.js";

/**
 * The sync engine core: rclone detection, rclone.conf, job execution with retries, and
 * the per-rule triggers. Rule editing and status reporting are layered on top in
 * `SyncEngine` (sync-engine.ts).
 */

/** Options of one requested run. */
export interface RunOptions {
  reason?: RunRequest["reason"];
  /** Allow a mirror run to delete more than its limit, or a two-way run past bisync's safety abort. */
  confirmDeletes?: boolean;
  /** Rebuild a two-way rule's state with `--resync`. */
  resync?: boolean;
}

// Short, so probing an offline remote stays cheap.
const PROBE_TIMEOUT_MS = 5_000;

export class SyncEngineCore {
  protected readonly options: ResolvedOptions;
  protected readonly log: Logger;
  protected readonly rules: RuleStore;
  protected readonly runtimes = new Map<string, RuleRuntime>();
  protected history: JobHistory | null = null;
  protected started = false;
  readonly confFile: ConfFile;
  readonly #detector: ConfigChangeDetector;
  readonly #remoteInfo: RemoteInfoCache;
  #capabilities: RcloneCapabilities | null = null;

  constructor(options: SyncEngineOptions) {
    this.options = resolveOptions(options);
    this.log = this.options.log.child({ component: "sync" });
    this.rules = new RuleStore(this.options.rulesPath);
    this.confFile = new ConfFile(this.options.configPath);
    this.#detector = new ConfigChangeDetector(this.confFile, (change) => this.options.events.onConfigChanged?.(change), this.log);
    this.#remoteInfo = new RemoteInfoCache(this.options.configPath);
  }

  /** The detected rclone version and its capabilities; throws before start(). */
  get capabilities(): RcloneCapabilities {
    if (this.#capabilities === null) {
      throw new ComfyCarryError("internal_error", "the sync engine is not started; call start() first");
    }
    return this.#capabilities;
  }

  get environment(): RcloneEnvironment {
    return { binary: this.options.rcloneBinary, configPath: this.options.configPath, cacheDir: this.options.cacheDir };
  }

  /** Detects rclone, opens the job history, loads rules and starts their triggers. */
  async start(): Promise<void> {
    const capabilities = await detectRclone(this.options.rcloneBinary, { RCLONE_CONFIG: this.options.configPath });
    if (capabilities === null) {
      throw new ComfyCarryError("internal_error", `rclone could not be started from "${this.options.rcloneBinary}"; install rclone or set its path`);
    }
    this.#capabilities = capabilities;
    this.log.info({ rclone: capabilities.version.text, bisyncRecover: capabilities.bisync.recover }, "rclone detected");

    await mkdir(this.options.tempDir, { recursive: true, mode: 0o700 });
    await this.#detector.prime();
    this.history = new JobHistory(this.options.databasePath);
    const interrupted = this.history.closeInterrupted();
    if (interrupted > 0) {
      this.log.warn({ interrupted }, "marked sync jobs left running by a previous process as canceled");
    }

    await this.rules.load();
    this.started = true;
    for (const rule of this.rules.list()) {
      const localPath = await this.resolveStoredPath(rule.local_path);
      await this.attach(new RuleRuntime(rule, localPath, this.options));
    }
  }

  /** Stops triggers, cancels running jobs and closes the job history. */
  async stop(): Promise<void> {
    this.started = false;
    for (const runtime of this.runtimes.values()) {
      await runtime.stopTriggers();
      runtime.abort?.abort();
    }
    for (const runtime of this.runtimes.values()) {
      await runtime.idle();
    }
    this.runtimes.clear();
    this.history?.close();
    this.history = null;
  }

  /** Writes rclone.conf received from the edge (mode 0600); it is not reported back as a change. */
  async setConfig(content: string): Promise<void> {
    await this.#detector.write(content);
    this.#remoteInfo.clear();
  }

  listRemotes(): Promise<RemoteInfo[]> {
    return this.#remoteInfo.remotes(() => listRemotes(this.environment));
  }

  async testRemote(remote: string, timeoutMs?: number): Promise<RemoteTestResult> {
    const result = await testRemote(this.environment, remote, timeoutMs);
    await this.#detector.check();
    return result;
  }

  /** Runs rclone and then checks whether it rewrote rclone.conf. */
  protected async rclone(args: readonly string[], options: RcloneRunOptions): Promise<RcloneRun> {
    const run = await runRclone(this.environment, args, options);
    await this.#detector.check();
    return run;
  }

  /**
   * Starts the remote listing and, when `features` is set, the remote's feature probe
   * together, so a following rule validation finds both kept instead of running them in turn.
   * With `source` (a running `rclone rcd`), both are read from it instead of new rclone processes.
   */
  async prefetchRemoteInfo(remote: string, features: boolean, source?: RemoteInfoSource): Promise<void> {
    const remotes = this.#remoteInfo.remotes(() => (source === undefined ? listRemotes(this.environment) : source.listRemotes()));
    const probed = features ? this.#remoteInfo.features(remote, () => (source === undefined ? remoteFeatures(this.environment, remote) : source.remoteFeatures(remote))) : Promise.resolve(null);
    await Promise.allSettled([remotes, probed]);
  }

  protected remoteFeatures(remote: string): ReturnType<typeof remoteFeatures> {
    return this.#remoteInfo.features(remote, () => remoteFeatures(this.environment, remote));
  }

  protected resolveStoredPath(localPath: string): Promise<string> {
    return resolveLocalPath(this.options.workspaceDir, localPath);
  }

  protected jobHistory(): JobHistory {
    if (this.history === null) {
      throw new ComfyCarryError("internal_error", "the sync engine is not started; call start() first");
    }
    return this.history;
  }

  /** Runs a rule now, or joins its follow-up run; resolves with the job record (null when a watch run had nothing to upload). */
  runRule(ruleId: string, options: RunOptions = {}): Promise<JobRecord | null> {
    const runtime = this.runtimes.get(ruleId);
    if (runtime === undefined) {
      throw new ComfyCarryError("not_found", `sync rule "${ruleId}" does not exist`, { rule_id: ruleId });
    }
    return this.request(runtime, {
      reason: options.reason ?? "manual",
      watchOnly: false,
      confirmDeletes: options.confirmDeletes === true,
      resync: options.resync === true,
    });
  }

  jobs(query?: JobQuery): JobRecord[] {
    return this.jobHistory().list(query);
  }

  protected request(runtime: RuleRuntime, request: RunRequest): Promise<JobRecord | null> {
    return runtime.request(request, (target, merged) => this.#execute(target, merged));
  }

  /** Registers a runtime and starts its triggers. */
  protected async attach(runtime: RuleRuntime): Promise<void> {
    this.runtimes.set(runtime.rule.id, runtime);
    runtime.lastSuccessAt = this.jobHistory().lastSuccessAt(runtime.rule.id);
    if (!runtime.rule.enabled || !this.started) {
      return;
    }
    const trigger = runtime.rule.trigger;
    if (trigger.type === "interval") {
      runtime.interval = setInterval(() => void this.request(runtime, { reason: "interval", watchOnly: false, confirmDeletes: false, resync: false }), trigger.every_s * 1000);
    }
    if (trigger.type === "watch") {
      await mkdir(runtime.localPath, { recursive: true });
      const watcher = new RuleWatcher(runtime.localPath, {
        ...this.options.watch,
        log: this.log.child({ ruleId: runtime.rule.id }),
        onUploadNeeded: () => void this.request(runtime, { reason: "watch", watchOnly: true, confirmDeletes: false, resync: false }),
      });
      await watcher.start();
      runtime.watcher = watcher;
      // A full run catches files written while the reporter was not watching.
      void this.request(runtime, { reason: "watch", watchOnly: false, confirmDeletes: false, resync: false });
    }
  }

  /** Stops a runtime's triggers and its running job, and removes it from the engine. */
  protected async detach(ruleId: string): Promise<void> {
    const runtime = this.runtimes.get(ruleId);
    if (runtime === undefined) {
      return;
    }
    await runtime.stopTriggers();
    runtime.abort?.abort();
    await runtime.idle();
    this.runtimes.delete(ruleId);
  }

  protected emitStatus(runtime: RuleRuntime): void {
    this.options.events.onRuleStatus?.(runtime.toStatus());
  }

  async #execute(runtime: RuleRuntime, request: RunRequest): Promise<JobRecord | null> {
    const rule = runtime.rule;
    const batch = request.watchOnly ? (runtime.watcher?.files.takeBatch() ?? null) : null;
    if (batch !== null && batch.files.length === 0) {
      return null;
    }
    const versionBefore = runtime.watcher?.files.version ?? 0;
    const history = this.jobHistory();
    const jobId = randomUUID();
    const attempt = runtime.retry.attempt + 1;
    const log = this.log.child({ ruleId: rule.id, jobId });
    const startedAt = Date.now();

    history.start(jobId, rule.id, request.reason, attempt);
    runtime.status = "running";
    runtime.jobId = jobId;
    runtime.progress = null;
    runtime.abort = new AbortController();
    this.options.events.onJobStarted?.(history.get(jobId) ?? failedLookup(jobId));
    this.emitStatus(runtime);
    log.info({ reason: request.reason, attempt, files: batch?.files.length ?? null }, "sync job started");

    let filesFrom: string | undefined;
    if (batch !== null) {
      filesFrom = join(this.options.tempDir, `${jobId}.files`);
      await writeFile(filesFrom, `${batch.files.join("\n")}\n`, { mode: 0o600 });
    }

    let result: JobResult;
    try {
      result = await runJob(
        rule,
        {
          rclone: (args, options) => this.rclone(args, options),
          capabilities: this.capabilities,
          localPath: runtime.localPath,
          bisyncWorkdir: join(this.options.bisyncRoot, rule.id),
          localBackupRoot: this.options.backupRoot,
          extraArgs: this.options.extraArgs,
          stallMs: this.options.stallMs,
          log,
          signal: runtime.abort.signal,
          onProgress: (progress) => {
            runtime.progress = progress;
            this.options.events.onJobProgress?.({ job_id: jobId, rule_id: rule.id, progress });
          },
        },
        {
          ...(filesFrom === undefined ? {} : { filesFrom }),
          confirmDeletes: request.confirmDeletes,
          resync: request.resync,
        },
      );
    } finally {
      if (filesFrom !== undefined) {
        await rm(filesFrom, { force: true });
      }
      runtime.abort = null;
    }

    await this.#settle(runtime, request, result, batch, versionBefore, startedAt, log);
    let status: "success" | "failed" | "canceled" = result.ok ? "success" : "failed";
    if (result.failure?.code === "canceled") {
      status = "canceled";
    }
    history.finish(jobId, {
      status,
      files: result.files,
      bytes: result.bytes,
      errors: result.errors,
      exit_code: result.exitCode,
      error_code: result.failure?.code ?? null,
      error_message: result.failure?.message ?? null,
    });
    const record = history.get(jobId) ?? failedLookup(jobId);
    this.options.events.onJobFinished?.(record, result.failure);
    this.emitStatus(runtime);
    return record;
  }

  async #settle(
    runtime: RuleRuntime,
    request: RunRequest,
    result: JobResult,
    batch: ReturnType<NonNullable<RuleRuntime["watcher"]>["files"]["takeBatch"]> | null,
    versionBefore: number,
    startedAt: number,
    log: Logger,
  ): Promise<void> {
    runtime.jobId = null;
    runtime.progress = null;

    if (result.ok) {
      runtime.retry.reset();
      runtime.status = runtime.rule.enabled ? "idle" : "disabled";
      runtime.lastError = null;
      runtime.lastSuccessAt = Date.now();
      if (batch !== null) {
        runtime.watcher?.files.settle(batch);
      } else {
        runtime.lastFullSuccessStartedAt = startedAt;
        runtime.watcher?.files.settleAllUpTo(versionBefore);
      }
      log.info({ files: result.files, bytes: result.bytes }, "sync job finished");
      return;
    }

    await handleFailure(runtime, result.failure ?? describeFailure("transfer_failed", runtime.rule.remote, null), {
      probe: async (remote) => (await testRemote(this.environment, remote, PROBE_TIMEOUT_MS)).failure,
      rerun: () => void this.request(runtime, { ...request, reason: "retry" }),
      isCurrent: () => this.started && this.runtimes.get(runtime.rule.id) === runtime,
      emitStatus: () => this.emitStatus(runtime),
      log,
    });
  }
}

function failedLookup(jobId: string): never {
  throw new ComfyCarryError("internal_error", `sync job ${jobId} vanished from the job history`);
}
