/**
 * The deploy engine's view of cloud sync, over the reporter's SyncService. A restore copies
 * each backed-up folder down once (in parallel, through one `rclone rcd` when there are
 * several) before the pull rules run, because push and two-way rules never pull on their own.
 */
import { isAbsolute, join } from "node:path";

import type { SyncPresetName, SyncRuleWire } from "@comfycarry/shared";

import { run } from "../comfyui-control/python/run.js";
import type { Logger } from "../log/logger.js";
import { RcloneDaemon } from "../sync/rclone/daemon.js";
import { presetRule } from "../sync/rules/presets.js";
import { ruleInputSchema } from "../sync/rules/schema.js";
import type { RuleInput } from "../sync/rules/schema.js";
import type { SyncService } from "../sync/service/sync-service.js";
import type { DeploySyncPort, PresetPlace, RestoreSummary } from "./sync-port.js";

/** rclone exits with 3 when the source directory does not exist: nothing was backed up yet. */
const RCLONE_DIRECTORY_NOT_FOUND = 3;
const COPY_TIMEOUT_MS = 60 * 60_000;
/** rclone's error for a missing source directory, the case the CLI exits with 3 for. */
const RC_DIRECTORY_NOT_FOUND = "directory not found";

export interface SyncAdapterOptions {
  service: SyncService;
  rcloneBinary: string;
  workspaceDir: string;
  log: Logger;
}

export function syncPortFrom(options: SyncAdapterOptions): DeploySyncPort {
  const { service } = options;
  return {
    async checkRemote(remote) {
      try {
        const result = await service.engine().testRemote(remote, 20_000);
        return result.ok ? null : (result.failure?.message ?? "the listing failed");
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    },

    async ensurePreset(preset, place) {
      const engine = service.engine();
      const planned = plannedPreset(preset, place);
      const existing = engine.listRules().find((rule) => sameFolders(rule, planned));
      if (existing !== undefined) {
        return { name: existing.name, created: false };
      }
      await engine.prefetchRemoteInfo(planned.remote, planned.direction === "two_way");
      const rule = await engine.createRule(planned);
      return { name: rule.name, created: true };
    },

    exportRules() {
      return service
        .engine()
        .listRules()
        .map(({ id: _id, created_at: _created, updated_at: _updated, ...input }) => input);
    },

    async importRules(rules, onLine) {
      const engine = service.engine();
      const created: string[] = [];
      for (const input of rules) {
        const parsed = ruleInputSchema.safeParse(input);
        if (!parsed.success) {
          onLine(`a saved sync rule was left out: ${parsed.error.issues[0]?.message ?? "invalid"}`);
          continue;
        }
        const saved = parsed.data;
        if (engine.listRules().some((rule) => sameFolders(rule, saved))) {
          continue;
        }
        try {
          created.push((await engine.createRule(input)).name);
        } catch (error) {
          onLine(`sync rule "${saved.name}" was left out: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      return created;
    },

    async copyBackups(onLine, presets) {
      const summary: RestoreSummary = { rules: [], failed: [] };
      const rules: CopiedRule[] = service.engine().listRules();
      for (const preset of presets.names) {
        const planned = plannedPreset(preset, presets.place);
        if (!rules.some((rule) => sameFolders(rule, planned))) {
          rules.push({ ...planned, enabled: planned.enabled ?? true, filters: { include: planned.filters?.include ?? [], exclude: planned.filters?.exclude ?? [] } });
        }
      }
      const backedUp = rules.filter((rule) => rule.enabled && rule.direction !== "pull" && !rule.local_path.replace(/\/+$/, "").endsWith("/output"));
      const daemon = backedUp.length > 1 ? await startDaemon(options) : null;
      try {
        await Promise.all(backedUp.map((rule) => copyDown(options, daemon, rule, summary, onLine)));
      } finally {
        await daemon?.stop();
      }
      return summary;
    },

    async runPullRules(onLine) {
      const engine = service.engine();
      const summary: RestoreSummary = { rules: [], failed: [] };
      for (const record of await engine.runRestore()) {
        const name = engine.listRules().find((rule) => rule.id === record.rule_id)?.name ?? record.rule_id;
        if (record.status === "success") {
          summary.rules.push(name);
          onLine(`${name}: pulled ${record.files} files`);
        } else {
          summary.failed.push({ rule: name, reason: record.error_message ?? record.error_code ?? record.status });
        }
      }
      return summary;
    },
  };
}

/** The fields of a rule the restore copy reads. */
type CopiedRule = Pick<SyncRuleWire, "name" | "local_path" | "remote" | "remote_path" | "direction" | "enabled" | "filters">;

function plannedPreset(preset: SyncPresetName, place: PresetPlace): RuleInput {
  return presetRule(preset, { remote: place.remote, comfyui_dir: place.comfyui_dir, ...(place.remote_base === null ? {} : { remote_base: place.remote_base }) });
}

function sameFolders(rule: Pick<SyncRuleWire, "local_path" | "remote" | "remote_path">, planned: Pick<RuleInput, "local_path" | "remote" | "remote_path">): boolean {
  return rule.local_path === planned.local_path && rule.remote === planned.remote && rule.remote_path === planned.remote_path;
}

/** Starts one rclone daemon for the copies; null (each copy then runs its own rclone) when it cannot start. */
async function startDaemon(options: SyncAdapterOptions): Promise<RcloneDaemon | null> {
  try {
    return await RcloneDaemon.start(options.rcloneBinary, options.service.confPath);
  } catch (error) {
    options.log.warn({ err: error }, "rclone rcd did not start; the restore copies run one rclone each");
    return null;
  }
}

/** Copies one rule's remote folder to its local folder once, with the rule's filters, through `daemon` when there is one. */
async function copyDown(options: SyncAdapterOptions, daemon: RcloneDaemon | null, rule: CopiedRule, summary: RestoreSummary, onLine: (text: string) => void): Promise<void> {
  const local = isAbsolute(rule.local_path) ? rule.local_path : join(options.workspaceDir, rule.local_path);
  if (daemon !== null) {
    await copyThroughDaemon(options, daemon, rule, local, summary, onLine);
    return;
  }
  const filters = [...rule.filters.include.flatMap((pattern) => ["--include", pattern]), ...rule.filters.exclude.flatMap((pattern) => ["--exclude", pattern])];
  const args = ["copy", "--config", options.service.confPath, `${rule.remote}:${rule.remote_path}`, local, ...filters];
  const result = await run(options.rcloneBinary, args, { cwd: options.workspaceDir, timeoutMs: COPY_TIMEOUT_MS });
  if (result.exitCode === 0) {
    summary.rules.push(rule.name);
    onLine(`${rule.name}: copied from ${rule.remote}:${rule.remote_path}`);
  } else if (result.exitCode === RCLONE_DIRECTORY_NOT_FOUND) {
    onLine(`${rule.name}: nothing on ${rule.remote}:${rule.remote_path} yet`);
  } else {
    options.log.warn({ rule: rule.name, exitCode: result.exitCode }, "restore copy failed");
    summary.failed.push({ rule: rule.name, reason: result.stderrTail.split("\n").slice(-2).join(" ").slice(0, 500) });
  }
}

async function copyThroughDaemon(options: SyncAdapterOptions, daemon: RcloneDaemon, rule: CopiedRule, local: string, summary: RestoreSummary, onLine: (text: string) => void): Promise<void> {
  const params = { srcFs: `${rule.remote}:${rule.remote_path}`, dstFs: local, _filter: { IncludeRule: rule.filters.include, ExcludeRule: rule.filters.exclude } };
  const error = await daemon.runJob("sync/copy", params, COPY_TIMEOUT_MS).catch((failure: unknown) => (failure instanceof Error ? failure.message : String(failure)));
  if (error === null) {
    summary.rules.push(rule.name);
    onLine(`${rule.name}: copied from ${rule.remote}:${rule.remote_path}`);
  } else if (error === RC_DIRECTORY_NOT_FOUND) {
    onLine(`${rule.name}: nothing on ${rule.remote}:${rule.remote_path} yet`);
  } else {
    options.log.warn({ rule: rule.name, error }, "restore copy failed");
    summary.failed.push({ rule: rule.name, reason: error.slice(0, 500) });
  }
}
