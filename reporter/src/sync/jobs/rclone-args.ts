import { join, posix } from "node:path";

import type { RcloneCapabilities } from "../rclone/version.js";
import type { SyncRule } from "../rules/schema.js";

/** Builds rclone argument arrays for a rule; nothing here touches the disk or a shell. */

/** What a job needs besides the rule. */
export interface ArgsContext {
  /** The rule's local path, resolved inside the workspace. */
  localPath: string;
  capabilities: RcloneCapabilities;
  /** bisync's working dir for this rule. */
  bisyncWorkdir: string;
  /** Local folder for mirror backups of pull rules. */
  localBackupRoot: string;
  /** When the run started; names the dated backup folder. */
  startedAt: Date;
  /** Flags added to every transfer, e.g. a bandwidth limit. */
  extraArgs: readonly string[];
}

export interface RunFlags {
  /** Only these paths, relative to the local path (watch uploads). */
  filesFrom?: string;
  dryRun?: boolean;
  /** Allow more deletions than the rule's limit (mirror) or bypass bisync's safety abort. */
  confirmDeletes?: boolean;
  /** Run bisync with `--resync` (first run, or recovery after confirmation). */
  resync?: boolean;
}

/** Returns `remote:path` for the rule's remote side. */
export function remoteSpec(rule: Pick<SyncRule, "remote" | "remote_path">): string {
  return `${rule.remote}:${rule.remote_path}`;
}

/** Returns the dated backup folder for a mirror run, e.g. `2026-12-04/204913`. */
export function backupStamp(at: Date): string {
  const iso = at.toISOString();
  return `${iso.slice(0, 10)}/${iso.slice(11, 19).replaceAll(":", "")}`;
}

/**
 * Returns the remote folder that receives files a mirror push deletes or overwrites: a
 * `.comfycarry-backups/<rule id>/<date>/<time>` folder beside the rule's remote path,
 * because rclone requires the backup dir on the same remote and outside the destination.
 */
export function remoteBackupDir(rule: SyncRule, at: Date): string {
  const parent = posix.dirname(rule.remote_path);
  const base = parent === "." ? ".comfycarry-backups" : `${parent}/.comfycarry-backups`;
  return `${rule.remote}:${base}/${rule.id}/${backupStamp(at)}`;
}

/** Turns include and exclude lists into `--filter` arguments, excludes first. */
export function filterArgs(rule: SyncRule): string[] {
  const args: string[] = [];
  for (const pattern of rule.filters.exclude) {
    args.push("--filter", `- ${pattern}`);
  }
  for (const pattern of rule.filters.include) {
    args.push("--filter", `+ ${pattern}`);
  }
  if (rule.filters.include.length > 0) {
    args.push("--filter", "- **");
  }
  return args;
}

// The engine retries with its own backoff, so rclone tries once and reports.
const COMMON = ["--retries", "1", "--low-level-retries", "3", "--contimeout", "15s", "--timeout", "60s"];

/** Builds the arguments of a push or pull run (copy, mirror or move). */
export function transferArgs(rule: SyncRule, context: ArgsContext, flags: RunFlags = {}): string[] {
  const remote = remoteSpec(rule);
  const [source, destination] = rule.direction === "pull" ? [remote, context.localPath] : [context.localPath, remote];
  // A watch batch only uploads what changed, so a mirror rule copies it: deletions wait
  // for a full run with its dry-run count. Overwritten files still go to the backup dir.
  const deletes = rule.method === "mirror" && flags.filesFrom === undefined;
  const verb = deletes ? "sync" : rule.method === "mirror" ? "copy" : rule.method;
  const args = [verb, source, destination, ...COMMON, ...filterArgs(rule)];

  if (rule.method === "mirror") {
    const backup =
      rule.direction === "pull" ? join(context.localBackupRoot, rule.id, backupStamp(context.startedAt)) : remoteBackupDir(rule, context.startedAt);
    args.push("--backup-dir", backup);
  }
  if (deletes) {
    args.push("--max-delete", flags.confirmDeletes === true ? "-1" : String(rule.max_delete));
  }
  if (flags.filesFrom !== undefined) {
    // --no-traverse skips listing the whole destination for a handful of files.
    args.push("--files-from-raw", flags.filesFrom, "--no-traverse");
  }
  if (flags.dryRun === true) {
    args.push("--dry-run");
  }
  return [...args, ...context.extraArgs];
}

/**
 * Builds the arguments of a two-way run. rclone 1.60 has no recovery flags: an
 * interrupted run there needs `--resync`. From v1.66 `--resilient --recover` let the
 * next run continue, and the conflict flags are set to keep both versions (1.60 always
 * keeps both, renamed `name..path1` and `name..path2`; v1.66+ names them
 * `name.conflict1` and `name.conflict2`).
 */
export function bisyncArgs(rule: SyncRule, context: ArgsContext, flags: RunFlags = {}): string[] {
  const args = ["bisync", context.localPath, remoteSpec(rule), "--workdir", context.bisyncWorkdir, ...COMMON, ...filterArgs(rule)];
  const bisync = context.capabilities.bisync;

  if (bisync.recover) {
    args.push("--resilient", "--recover", "--max-lock", "2m");
  }
  if (bisync.conflictFlags) {
    args.push("--conflict-resolve", "none", "--conflict-loser", "num");
  }
  if (flags.resync === true) {
    args.push("--resync");
  }
  if (flags.confirmDeletes === true) {
    args.push("--force");
  }
  if (flags.dryRun === true) {
    args.push("--dry-run");
  }
  return [...args, ...context.extraArgs];
}

/** Builds the arguments that count push files not yet on the remote (`rclone check --one-way`). */
export function checkArgs(rule: SyncRule, localPath: string): string[] {
  return ["check", localPath, remoteSpec(rule), "--one-way", "--size-only", "--combined", "-", ...COMMON, ...filterArgs(rule)];
}
