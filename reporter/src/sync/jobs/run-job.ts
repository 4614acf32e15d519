import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import type { Logger } from "../../log/logger.js";
import { describeFailure } from "../rclone/classify.js";
import type { SyncFailure } from "../rclone/classify.js";
import type { TransferProgress } from "../rclone/progress.js";
import type { RcloneRun, RcloneRunOptions } from "../rclone/runner.js";
import type { RcloneCapabilities } from "../rclone/version.js";
import type { SyncRule } from "../rules/schema.js";
import { bisyncArgs, remoteSpec, transferArgs } from "./rclone-args.js";
import type { ArgsContext, RunFlags } from "./rclone-args.js";

/** One job of one rule: the preparation steps, the safety dry-run and the rclone run itself. */

/** Runs rclone for the engine; the engine checks rclone.conf after every run. */
export type RcloneCaller = (args: readonly string[], options: RcloneRunOptions) => Promise<RcloneRun>;

export interface JobContext {
  rclone: RcloneCaller;
  capabilities: RcloneCapabilities;
  /** The rule's local path, resolved inside the workspace. */
  localPath: string;
  /** Folder for this rule's bisync listings. */
  bisyncWorkdir: string;
  localBackupRoot: string;
  extraArgs: readonly string[];
  stallMs: number;
  log: Logger;
  signal?: AbortSignal;
  onProgress?: (progress: TransferProgress) => void;
}

export interface JobResult {
  ok: boolean;
  failure: SyncFailure | null;
  files: number;
  bytes: number;
  errors: number;
  exitCode: number | null;
  /** Deletions the dry-run counted, for mirror rules. */
  plannedDeletes: number | null;
}

// Written into bisync's workdir after the first successful `--resync`.
const BISYNC_READY = "comfycarry-ready";

function resultFrom(run: RcloneRun, plannedDeletes: number | null): JobResult {
  return {
    ok: run.ok,
    failure: run.failure,
    files: run.stats?.transfers ?? run.objectsChanged,
    bytes: run.stats?.bytes ?? 0,
    errors: run.stats?.errors ?? run.errorLines.length,
    exitCode: run.exitCode,
    plannedDeletes,
  };
}

function failedBefore(failure: SyncFailure, plannedDeletes: number | null = null): JobResult {
  return { ok: false, failure, files: 0, bytes: 0, errors: 1, exitCode: null, plannedDeletes };
}

/** Runs one job for `rule`. */
export async function runJob(rule: SyncRule, context: JobContext, flags: RunFlags = {}): Promise<JobResult> {
  const argsContext: ArgsContext = {
    localPath: context.localPath,
    capabilities: context.capabilities,
    bisyncWorkdir: context.bisyncWorkdir,
    localBackupRoot: context.localBackupRoot,
    startedAt: new Date(),
    extraArgs: context.extraArgs,
  };
  const runOptions: RcloneRunOptions = {
    progress: true,
    stallMs: context.stallMs,
    remoteLabel: rule.remote,
    log: context.log,
    ...(context.signal === undefined ? {} : { signal: context.signal }),
    ...(context.onProgress === undefined ? {} : { onProgress: context.onProgress }),
  };

  if (rule.direction !== "push") {
    await mkdir(context.localPath, { recursive: true });
  }
  if (rule.direction === "two_way") {
    return runBisync(rule, context, argsContext, runOptions, flags);
  }

  let plannedDeletes: number | null = null;
  if (rule.method === "mirror" && flags.filesFrom === undefined) {
    // Count deletions before making any, so a mass deletion asks first instead of
    // stopping halfway at --max-delete.
    const dryRun = await context.rclone(transferArgs(rule, argsContext, { ...flags, dryRun: true, confirmDeletes: true }), { ...runOptions, onProgress: undefined });
    if (!dryRun.ok) {
      return resultFrom(dryRun, null);
    }
    plannedDeletes = dryRun.stats?.deletes ?? 0;
    if (plannedDeletes > rule.max_delete && flags.confirmDeletes !== true) {
      context.log.warn({ plannedDeletes, maxDelete: rule.max_delete }, "mirror run would delete more files than the limit; asking first");
      const failure = describeFailure("delete_limit", rule.remote, null);
      return failedBefore({ ...failure, message: `This run would delete ${plannedDeletes} files on ${remoteSpec(rule)}; the rule allows ${rule.max_delete} without confirmation.` }, plannedDeletes);
    }
  }

  const run = await context.rclone(transferArgs(rule, argsContext, flags), runOptions);
  return resultFrom(run, plannedDeletes);
}

async function runBisync(rule: SyncRule, context: JobContext, argsContext: ArgsContext, runOptions: RcloneRunOptions, flags: RunFlags): Promise<JobResult> {
  const marker = join(context.bisyncWorkdir, BISYNC_READY);
  const firstRun = !existsSync(marker);
  await mkdir(context.bisyncWorkdir, { recursive: true, mode: 0o700 });

  if (firstRun) {
    // bisync --resync in rclone 1.60 fails when the remote folder does not exist yet.
    const made = await context.rclone(["mkdir", remoteSpec(rule), "--retries", "1"], { remoteLabel: rule.remote, log: context.log });
    if (!made.ok) {
      return resultFrom(made, null);
    }
  }

  // NOTE: `--resync` makes no conflict copies. rclone 1.60 documents it as copying
  // remote-only files here, then syncing local to remote, so the local version wins a path
  // that differs on both sides at the first run.
  const resync = firstRun || flags.resync === true;
  const run = await context.rclone(bisyncArgs(rule, argsContext, { ...flags, resync }), runOptions);
  if (run.ok && resync) {
    await writeFile(marker, new Date().toISOString());
  }
  return resultFrom(run, null);
}
