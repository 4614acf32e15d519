import { ComfyCarryError, toUtcTimestamp } from "@comfycarry/shared";
import type { Overview } from "@comfycarry/shared";

import type { JobRecord } from "../jobs/history.js";
import { checkArgs } from "../jobs/rclone-args.js";
import type { TransferProgress } from "../rclone/progress.js";
import { presetRule } from "../rules/presets.js";
import type { PresetName, PresetOptions } from "../rules/presets.js";
import { rulePatchSchema } from "../rules/schema.js";
import type { SyncRule } from "../rules/schema.js";
import { ruleErrorFromZod } from "../rules/errors.js";
import { ruleTimestamp } from "../rules/store.js";
import { SyncEngineCore } from "./engine.js";
import { RuleRuntime } from "./rule-runtime.js";
import { validateRule } from "./rule-validation.js";
import { countUnsynced, summarizeSafety } from "./status.js";
import type { RuleSafety, RuleStatus, SafeToDestroy } from "./status.js";

/**
 * The sync engine as the reporter uses it: remotes, rule editing (validated), runs,
 * the restore step, rule status, the overview's sync section and "safe to destroy".
 */
export class SyncEngine extends SyncEngineCore {
  /** Whether start() succeeded and stop() has not been called. */
  get isRunning(): boolean {
    return this.started;
  }

  listRules(): SyncRule[] {
    return this.rules.list();
  }

  /**
   * Deletes a remote from rclone.conf with `rclone config delete`. A remote that rules
   * still use is kept, and the error names those rules. The rewrite is reported through
   * `onConfigChanged`, like any other change rclone makes to the file.
   */
  async removeRemote(remote: string): Promise<void> {
    const users = this.rules.list().filter((rule) => rule.remote === remote);
    if (users.length > 0) {
      const names = users.map((rule) => `"${rule.name}"`).join(", ");
      throw new ComfyCarryError("invalid_arguments", `remote "${remote}" is used by the rules ${names}; delete those rules or move them to another remote first`, {
        field: "remote",
        reason: "in_use",
      });
    }
    const known = await this.listRemotes();
    if (!known.some((candidate) => candidate.name === remote)) {
      throw new ComfyCarryError("not_found", `remote "${remote}" is not in rclone.conf`, { remote });
    }
    const run = await this.rclone(["config", "delete", remote], { remoteLabel: remote, log: this.log, timeoutMs: 15_000 });
    if (!run.ok) {
      const code = run.failure?.code ?? "transfer_failed";
      throw new ComfyCarryError("sync_failed", `rclone could not delete remote "${remote}": ${run.failure?.message ?? "unknown error"}`, { reason: code });
    }
    this.log.info({ remote }, "remote removed from rclone.conf");
  }

  /** Validates and stores a new rule, then starts its trigger. */
  async createRule(input: unknown): Promise<SyncRule> {
    const { fields, localPath } = await validateRule(input, this.#validationDeps());
    const now = ruleTimestamp();
    const rule: SyncRule = { ...fields, id: this.rules.newId(fields.name), created_at: now, updated_at: now };
    await this.rules.put(rule);
    await this.attach(new RuleRuntime(rule, localPath, this.options));
    this.log.info({ ruleId: rule.id, direction: rule.direction, method: rule.method, trigger: rule.trigger.type }, "sync rule created");
    return rule;
  }

  /** Creates an ordinary rule from a preset. */
  createFromPreset(preset: PresetName, options: PresetOptions): Promise<SyncRule> {
    return this.createRule(presetRule(preset, options));
  }

  /** Applies a partial edit, validating the whole rule again; the trigger restarts with the new settings. */
  async updateRule(ruleId: string, patch: unknown): Promise<SyncRule> {
    const existing = this.#existing(ruleId);
    const parsedPatch = rulePatchSchema.safeParse(patch);
    if (!parsedPatch.success) {
      throw ruleErrorFromZod(parsedPatch.error);
    }
    const { id, created_at: createdAt, updated_at: _updated, ...current } = existing;
    // The patch schema fills defaults for absent fields; only the fields the caller sent may change.
    const sent = typeof patch === "object" && patch !== null ? new Set(Object.keys(patch)) : new Set<string>();
    const changes = Object.fromEntries(Object.entries(parsedPatch.data).filter(([key]) => sent.has(key)));
    const { fields, localPath } = await validateRule({ ...current, ...changes }, this.#validationDeps());
    const rule: SyncRule = { ...fields, id, created_at: createdAt, updated_at: ruleTimestamp() };

    await this.detach(ruleId);
    await this.rules.put(rule);
    await this.attach(new RuleRuntime(rule, localPath, this.options));
    this.log.info({ ruleId }, "sync rule updated");
    return rule;
  }

  /** Stops a rule's trigger and running job, then removes it. Files are left where they are. */
  async deleteRule(ruleId: string): Promise<void> {
    this.#existing(ruleId);
    await this.detach(ruleId);
    await this.rules.remove(ruleId);
    this.log.info({ ruleId }, "sync rule deleted");
  }

  /**
   * The deploy engine's restore step: runs every enabled pull and on-deploy rule (not
   * pushes, which would upload an empty workspace) and resolves when all finished.
   */
  async runRestore(onProgress?: (ruleId: string, progress: TransferProgress) => void): Promise<JobRecord[]> {
    const targets = [...this.runtimes.values()].filter(
      (runtime) => runtime.rule.enabled && runtime.rule.direction !== "push" && (runtime.rule.direction === "pull" || runtime.rule.trigger.type === "on_deploy"),
    );
    const unsubscribe = this.#forwardProgress(onProgress);
    try {
      const records = await Promise.all(targets.map((runtime) => this.runRule(runtime.rule.id, { reason: "on_deploy" })));
      return records.filter((record): record is JobRecord => record !== null);
    } finally {
      unsubscribe();
    }
  }

  ruleStatuses(): RuleStatus[] {
    return [...this.runtimes.values()].map((runtime) => runtime.toStatus());
  }

  /** The overview's `sync` section. */
  overviewSection(): Overview["sync"] {
    if (this.history === null) {
      return { available: false, reason: "not_configured", detail: "the sync engine is not started" };
    }
    const runtimes = [...this.runtimes.values()];
    const running = runtimes.some((runtime) => runtime.busy);
    const last = this.history.lastFinished();
    const lastStatus = running ? "running" : last === undefined ? "never" : last.status === "success" ? "success" : "failed";
    const safety = this.safetySummary();
    return {
      available: true,
      worker_running: this.started,
      rules_count: this.runtimes.size,
      last_activity: last?.finished_at == null ? null : toUtcTimestamp(new Date(last.finished_at)),
      last_status: lastStatus,
      safe: safety.safe,
      unsynced_files: safety.unsynced_files,
      all_synced_at: safety.all_synced_at,
      offline_rules: runtimes.filter((runtime) => runtime.status === "remote_offline").length,
      failed_rules: runtimes.filter((runtime) => runtime.status === "failed" || runtime.status === "needs_confirmation").length,
    };
  }

  /** "Safe to destroy" from tracking alone, without asking the remotes. */
  safetySummary(): SafeToDestroy {
    const pushes = [...this.runtimes.values()].filter((runtime) => runtime.rule.enabled && runtime.rule.direction === "push");
    return summarizeSafety(pushes.map((runtime) => this.#safety(runtime)));
  }

  /**
   * Whether every enabled push rule's files are on the remote. Without `verify` the
   * answer comes from tracking: watch rules count changed files not yet uploaded, other
   * rules rely on their last `rclone check` or their last full successful run. With
   * `verify`, each push rule is checked against the remote with `rclone check --one-way`.
   */
  async safeToDestroy(options: { verify?: boolean } = {}): Promise<SafeToDestroy> {
    const pushes = [...this.runtimes.values()].filter((runtime) => runtime.rule.enabled && runtime.rule.direction === "push");
    const rules: RuleSafety[] = [];
    for (const runtime of pushes) {
      if (options.verify === true) {
        await this.#verify(runtime);
      }
      rules.push(this.#safety(runtime));
    }
    return summarizeSafety(rules);
  }

  #safety(runtime: RuleRuntime): RuleSafety {
    const base = { rule_id: runtime.rule.id, name: runtime.rule.name };
    const iso = (ms: number | null): string | null => (ms === null ? null : toUtcTimestamp(new Date(ms)));
    const check = runtime.lastCheck;
    const fullRun = runtime.lastFullSuccessStartedAt;
    const pending = runtime.watcher?.files.unsyncedCount ?? 0;

    // A check newer than the last full run is the better evidence.
    if (check !== null && (fullRun === null || check.at >= fullRun)) {
      const unsynced = check.unsynced + pending;
      return { ...base, state: unsynced === 0 ? "synced" : "unsynced", unsynced_files: unsynced, last_synced_at: unsynced === 0 ? iso(check.at) : null, checked_at: iso(check.at) };
    }
    if (fullRun === null) {
      return { ...base, state: pending > 0 ? "unsynced" : "unknown", unsynced_files: pending > 0 ? pending : null, last_synced_at: null, checked_at: null };
    }
    // A watched rule uploads every new file as it settles, so with nothing pending it is
    // synced as of its latest successful batch, not only as of its last full run.
    // NOTE: a non-watch rule does not see files added after its last run, so "synced" here
    // means "synced as of that run"; verify with rclone check before destroying.
    const syncedAt = runtime.watcher === null ? fullRun : Math.max(fullRun, runtime.lastSuccessAt ?? fullRun);
    return { ...base, state: pending === 0 ? "synced" : "unsynced", unsynced_files: pending, last_synced_at: pending === 0 ? iso(syncedAt) : null, checked_at: null };
  }

  async #verify(runtime: RuleRuntime): Promise<void> {
    const at = Date.now();
    const run = await this.rclone(checkArgs(runtime.rule, runtime.localPath), { remoteLabel: runtime.rule.remote, log: this.log });
    // rclone check exits 1 when it found differences; the combined report is still complete.
    const complete = run.ok || (run.exitCode === 1 && /^[-+*=!] /m.test(run.stdout));
    if (!complete) {
      this.log.warn({ ruleId: runtime.rule.id, error: run.failure?.message }, "could not check the rule against its remote");
      return;
    }
    runtime.lastCheck = { at, unsynced: countUnsynced(run.stdout) };
  }

  #existing(ruleId: string): SyncRule {
    const rule = this.rules.get(ruleId);
    if (rule === undefined) {
      throw new ComfyCarryError("not_found", `sync rule "${ruleId}" does not exist`, { rule_id: ruleId });
    }
    return rule;
  }

  #validationDeps(): Parameters<typeof validateRule>[1] {
    return {
      workspaceDir: this.options.workspaceDir,
      listRemotes: () => this.listRemotes(),
      remoteFeatures: (remote) => this.remoteFeatures(remote),
    };
  }

  #forwardProgress(onProgress?: (ruleId: string, progress: TransferProgress) => void): () => void {
    if (onProgress === undefined) {
      return () => undefined;
    }
    const events = this.options.events;
    const previous = events.onJobProgress;
    events.onJobProgress = (job) => {
      previous?.(job);
      onProgress(job.rule_id, job.progress);
    };
    return () => {
      events.onJobProgress = previous;
    };
  }
}
