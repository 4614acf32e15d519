/**
 * One restore's copies and preset rules. The session starts one `rclone rcd` at once, then
 * runs every folder copy through it and reads the remote list and features for the preset
 * rules' validation from it. So the restore step starts one rclone process in all, unless a
 * saved rule it imports needs a probe of another remote. When the daemon does not start,
 * each copy and probe runs its own rclone process instead.
 */
import { isAbsolute, join } from "node:path";

import type { SyncRuleWire } from "@comfycarry/shared";

import { run } from "../comfyui-control/python/run.js";
import { RcloneDaemon } from "../sync/rclone/daemon.js";
import { rcRemoteInfo } from "../sync/remotes/rc-remote-info.js";
import { ensurePresetRule, plannedPreset, sameFolders } from "./preset-rules.js";
import type { SyncAdapterOptions } from "./sync-adapter.js";
import type { RestoreSession, RestoreSummary } from "./sync-port.js";

/** rclone exits with 3 when the source directory does not exist: nothing was backed up yet. */
const RCLONE_DIRECTORY_NOT_FOUND = 3;
const COPY_TIMEOUT_MS = 60 * 60_000;
/** rclone's error for a missing source directory, the case the CLI exits with 3 for. */
const RC_DIRECTORY_NOT_FOUND = "directory not found";

/** The fields of a rule the restore copy reads. */
type CopiedRule = Pick<SyncRuleWire, "name" | "local_path" | "remote" | "remote_path" | "direction" | "enabled" | "filters">;

export function openRestoreSession(options: SyncAdapterOptions): RestoreSession {
  const daemon = startDaemon(options);
  let closed: Promise<void> | null = null;
  return {
    async ensurePreset(preset, place) {
      const running = await daemon;
      return ensurePresetRule(options.service.engine(), preset, place, running === null ? undefined : rcRemoteInfo(running));
    },

    async copyBackups(onLine, presets) {
      const summary: RestoreSummary = { rules: [], failed: [] };
      const rules: CopiedRule[] = options.service.engine().listRules();
      for (const preset of presets.names) {
        const planned = plannedPreset(preset, presets.place);
        if (!rules.some((rule) => sameFolders(rule, planned))) {
          rules.push({ ...planned, enabled: planned.enabled ?? true, filters: { include: planned.filters?.include ?? [], exclude: planned.filters?.exclude ?? [] } });
        }
      }
      const backedUp = rules.filter((rule) => rule.enabled && rule.direction !== "pull" && !rule.local_path.replace(/\/+$/, "").endsWith("/output"));
      const running = await daemon;
      await Promise.all(backedUp.map((rule) => copyDown(options, running, rule, summary, onLine)));
      return summary;
    },

    close() {
      closed ??= daemon.then((running) => running?.stop());
      return closed;
    },
  };
}

/** Starts one rclone daemon, or returns null when it cannot start, so each copy and probe runs its own rclone. */
async function startDaemon(options: SyncAdapterOptions): Promise<RcloneDaemon | null> {
  try {
    const cacheDir = options.service.engine().environment.cacheDir;
    return await RcloneDaemon.start(options.rcloneBinary, options.service.confPath, cacheDir === undefined ? {} : { cacheDir });
  } catch (error) {
    options.log.warn({ err: error }, "rclone rcd did not start; the restore copies run one rclone each");
    return null;
  }
}

/** How one rule's restore copy ended; `missing` means nothing was backed up to its folder yet. */
type CopyOutcome = { kind: "copied" } | { kind: "missing" } | { kind: "failed"; reason: string };

/** Copies one rule's remote folder to its local folder once, with the rule's filters, through `daemon` when there is one. */
async function copyDown(options: SyncAdapterOptions, daemon: RcloneDaemon | null, rule: CopiedRule, summary: RestoreSummary, onLine: (text: string) => void): Promise<void> {
  const local = isAbsolute(rule.local_path) ? rule.local_path : join(options.workspaceDir, rule.local_path);
  const outcome = daemon === null ? await copyWithProcess(options, rule, local) : await copyThroughDaemon(daemon, rule, local);

  if (outcome.kind === "copied") {
    summary.rules.push(rule.name);
    onLine(`${rule.name}: copied from ${rule.remote}:${rule.remote_path}`);
  } else if (outcome.kind === "missing") {
    onLine(`${rule.name}: nothing on ${rule.remote}:${rule.remote_path} yet`);
  } else {
    options.log.warn({ rule: rule.name, reason: outcome.reason }, "restore copy failed");
    summary.failed.push({ rule: rule.name, reason: outcome.reason });
  }
}

async function copyWithProcess(options: SyncAdapterOptions, rule: CopiedRule, local: string): Promise<CopyOutcome> {
  const filters = [...rule.filters.include.flatMap((pattern) => ["--include", pattern]), ...rule.filters.exclude.flatMap((pattern) => ["--exclude", pattern])];
  const args = ["copy", "--config", options.service.confPath, `${rule.remote}:${rule.remote_path}`, local, ...filters];
  const result = await run(options.rcloneBinary, args, { cwd: options.workspaceDir, timeoutMs: COPY_TIMEOUT_MS });
  if (result.exitCode === 0) {
    return { kind: "copied" };
  }
  if (result.exitCode === RCLONE_DIRECTORY_NOT_FOUND) {
    return { kind: "missing" };
  }
  return { kind: "failed", reason: result.stderrTail.split("\n").slice(-2).join(" ").slice(0, 500) };
}

async function copyThroughDaemon(daemon: RcloneDaemon, rule: CopiedRule, local: string): Promise<CopyOutcome> {
  const params = { srcFs: `${rule.remote}:${rule.remote_path}`, dstFs: local, _filter: { IncludeRule: rule.filters.include, ExcludeRule: rule.filters.exclude } };
  const error = await daemon.runJob("sync/copy", params, COPY_TIMEOUT_MS);
  if (error === null) {
    return { kind: "copied" };
  }
  if (error === RC_DIRECTORY_NOT_FOUND) {
    return { kind: "missing" };
  }
  return { kind: "failed", reason: error.slice(0, 500) };
}
