import { join } from "node:path";

import type { BackoffOptions } from "../../link/backoff.js";
import type { Logger } from "../../log/logger.js";
import type { JobRecord } from "../jobs/history.js";
import type { SyncFailure } from "../rclone/classify.js";
import type { TransferProgress } from "../rclone/progress.js";
import type { ConfigChange } from "../remotes/config-change.js";
import { SYNC_RETRY_BACKOFF } from "./retry.js";
import type { RuleStatus } from "./status.js";

/** Callbacks through which the engine reports; the reporter turns them into protocol events. */
export interface SyncEngineEvents {
  onJobStarted?: (job: JobRecord) => void;
  /** About once a second per running job, from rclone's stats. */
  onJobProgress?: (job: { job_id: string; rule_id: string; progress: TransferProgress }) => void;
  onJobFinished?: (job: JobRecord, failure: SyncFailure | null) => void;
  onRuleStatus?: (status: RuleStatus) => void;
  /** rclone rewrote rclone.conf (e.g. refreshed an OAuth token); `content` is secret. */
  onConfigChanged?: (change: ConfigChange) => void;
}

export interface SyncEngineOptions {
  /** The reporter's state dir; rules, job history, bisync listings and rclone's cache live under it. */
  stateDir: string;
  /** Rule local paths must resolve inside this folder. */
  workspaceDir: string;
  log: Logger;
  /** rclone binary; `rclone` from PATH by default. */
  rcloneBinary?: string;
  /** rclone.conf path; `<stateDir>/rclone.conf` by default. */
  configPath?: string;
  /** Jobs of different rules that may run at once. */
  maxParallel?: number;
  /** Stop a transfer with no progress for this long, in ms. */
  stallMs?: number;
  retry?: BackoffOptions;
  /** Watch trigger timing, in ms. */
  watch?: { stableMs?: number; checkEveryMs?: number; debounceMs?: number };
  /** Flags added to every transfer, e.g. `--bwlimit`; never credentials. */
  extraArgs?: string[];
  events?: SyncEngineEvents;
}

/** Options with every default filled in. */
export interface ResolvedOptions {
  stateDir: string;
  workspaceDir: string;
  log: Logger;
  rcloneBinary: string;
  configPath: string;
  rulesPath: string;
  databasePath: string;
  bisyncRoot: string;
  backupRoot: string;
  cacheDir: string;
  tempDir: string;
  maxParallel: number;
  stallMs: number;
  retry: BackoffOptions;
  watch: { stableMs: number; checkEveryMs: number; debounceMs: number };
  extraArgs: string[];
  events: SyncEngineEvents;
}

export function resolveOptions(options: SyncEngineOptions): ResolvedOptions {
  const syncDir = join(options.stateDir, "sync");
  return {
    stateDir: options.stateDir,
    workspaceDir: options.workspaceDir,
    log: options.log,
    rcloneBinary: options.rcloneBinary ?? "rclone",
    configPath: options.configPath ?? join(options.stateDir, "rclone.conf"),
    rulesPath: join(syncDir, "rules.json"),
    databasePath: join(syncDir, "jobs.sqlite"),
    bisyncRoot: join(syncDir, "bisync"),
    backupRoot: join(syncDir, "backups"),
    cacheDir: join(syncDir, "rclone-cache"),
    tempDir: join(syncDir, "tmp"),
    maxParallel: options.maxParallel ?? 2,
    stallMs: options.stallMs ?? 120_000,
    retry: options.retry ?? SYNC_RETRY_BACKOFF,
    watch: {
      stableMs: options.watch?.stableMs ?? 1_000,
      checkEveryMs: options.watch?.checkEveryMs ?? 250,
      debounceMs: options.watch?.debounceMs ?? 200,
    },
    extraArgs: options.extraArgs ?? [],
    events: options.events ?? {},
  };
}
