import { z } from "zod";

import type { CommandSpec } from "./commands.js";
import { utcTimestampSchema } from "./time.js";

// Cloud sync on rclone: remotes from rclone.conf, sync rules, jobs and "safe to destroy".
// The reporter's engine validates rules in full (paths, remotes, two-way support) and
// names the field at fault in `invalid_arguments` params, so rule bodies in arguments
// are only checked here for being objects.

/** Largest rclone.conf accepted, in characters; the edge stores it as a secret of the same limit. */
export const MAX_RCLONE_CONF_CHARS = 64 * 1024;

/** Failure codes of rclone runs, as the reporter classifies them. */
export const SYNC_FAILURE_CODES = [
  "rclone_missing", // The rclone binary could not be started.
  "unknown_remote", // The remote name is not in rclone.conf.
  "auth_failed", // The remote rejected the credentials.
  "token_expired", // An OAuth token expired or was revoked and could not be refreshed.
  "unreachable", // The remote's host refused or did not accept the connection.
  "timed_out", // The remote did not respond within the time limit.
  "stalled", // A transfer made no progress for the stall time and was stopped.
  "not_found", // A directory or file named by the rule does not exist.
  "delete_limit", // The run would delete more files than the rule allows without confirmation.
  "bisync_needs_resync", // bisync lost its prior listings and needs a confirmed resync.
  "bisync_safety_abort", // bisync found too many changes and stopped to protect the data.
  "modtime_unsupported", // The remote does not keep modification times, which bisync needs.
  "source_changed", // A file changed while it was being uploaded.
  "canceled", // The run was stopped on request.
  "transfer_failed", // Any other failure. The last stderr lines give the details.
] as const;
export const syncFailureCodeSchema = z.enum(SYNC_FAILURE_CODES);
export type SyncFailureCode = z.infer<typeof syncFailureCodeSchema>;

/** A classified failure: a stable code, an English sentence and, when there is one, the fix. */
export const syncFailureSchema = z.object({
  code: syncFailureCodeSchema,
  message: z.string().max(2000),
  hint: z.string().max(1000).nullable(),
});
export type SyncFailureWire = z.infer<typeof syncFailureSchema>;

/** A remote name as rclone accepts it in a config section header. */
export const syncRemoteNameSchema = z
  .string()
  .regex(/^[\w.][\w.\- ]{0,63}$/u, "a remote name has letters, digits, _ . - or spaces and is at most 64 characters");

/** Sync rule ids are chosen by the reporter from the rule's name. */
export const syncRuleIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "a rule id of lower-case letters, digits and dashes");

export const syncDirectionSchema = z.enum(["push", "pull", "two_way"]);
export const syncMethodSchema = z.enum(["copy", "mirror", "move"]);
export const syncTriggerSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("manual") }),
  z.object({ type: z.literal("watch") }),
  z.object({ type: z.literal("interval"), every_s: z.number().int().positive() }),
  z.object({ type: z.literal("on_deploy") }),
]);
export type SyncTrigger = z.infer<typeof syncTriggerSchema>;

/** A stored sync rule as the reporter returns it. */
export const syncRuleSchema = z.object({
  id: syncRuleIdSchema,
  name: z.string(),
  local_path: z.string(),
  remote: z.string(),
  remote_path: z.string(),
  direction: syncDirectionSchema,
  method: syncMethodSchema,
  mirror_confirmed: z.boolean(),
  max_delete: z.number().int().nonnegative(),
  trigger: syncTriggerSchema,
  filters: z.object({ include: z.array(z.string()), exclude: z.array(z.string()) }),
  enabled: z.boolean(),
  created_at: utcTimestampSchema,
  updated_at: utcTimestampSchema,
});
export type SyncRuleWire = z.infer<typeof syncRuleSchema>;

/** Presets: each creates an ordinary, editable rule. */
export const SYNC_PRESET_NAMES = ["outputs", "workflows", "user_settings", "node_snapshots", "models", "custom_nodes"] as const;
export const syncPresetNameSchema = z.enum(SYNC_PRESET_NAMES);
export type SyncPresetName = z.infer<typeof syncPresetNameSchema>;

export const syncPresetOptionsSchema = z.strictObject({
  remote: syncRemoteNameSchema,
  /** Folder on the remote under which each preset puts its own subfolder. */
  remote_base: z.string().min(1).max(500).optional(),
  /** The ComfyUI checkout, relative to the workspace. */
  comfyui_dir: z.string().min(1).max(500).optional(),
  manager_in_system_user: z.boolean().optional(),
});

/** Live figures of a running transfer, from rclone's stats about once a second. */
export const syncProgressSchema = z.object({
  bytes: z.number().nonnegative(),
  total_bytes: z.number().nonnegative(),
  speed_bytes_per_s: z.number().nonnegative(),
  /** Seconds left, or null when rclone cannot estimate it yet. */
  eta_s: z.number().nonnegative().nullable(),
  files_done: z.number().int().nonnegative(),
  files_total: z.number().int().nonnegative(),
  checks: z.number().int().nonnegative(),
  deletes: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  elapsed_s: z.number().nonnegative(),
  current: z
    .array(
      z.object({
        name: z.string(),
        bytes: z.number().nonnegative(),
        size: z.number().nonnegative(),
        percentage: z.number().min(0).max(100),
        speed_bytes_per_s: z.number().nonnegative(),
      }),
    )
    .max(64),
});
export type SyncProgress = z.infer<typeof syncProgressSchema>;

export const syncJobStatusSchema = z.enum(["running", "success", "failed", "canceled"]);
export type SyncJobStatus = z.infer<typeof syncJobStatusSchema>;
export const syncJobReasonSchema = z.enum(["manual", "watch", "interval", "on_deploy", "retry"]);

/** One rclone job from the reporter's job history. */
export const syncJobSchema = z.object({
  id: z.string().max(64),
  rule_id: z.string(),
  reason: syncJobReasonSchema,
  attempt: z.number().int().nonnegative(),
  started_at: utcTimestampSchema,
  finished_at: utcTimestampSchema.nullable(),
  status: syncJobStatusSchema,
  files: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  errors: z.number().int().nonnegative(),
  exit_code: z.number().int().nullable(),
  /** A sync failure code; stored text, so older rows may hold codes this build does not list. */
  error_code: z.string().nullable(),
  error_message: z.string().max(2000).nullable(),
});
export type SyncJob = z.infer<typeof syncJobSchema>;

export const syncRuleStateSchema = z.enum([
  "idle",
  "running",
  "retry_wait", // Failed; the next attempt is planned at next_attempt_at.
  "remote_offline", // The remote is unreachable; retried with backoff.
  "needs_confirmation", // A mirror or two-way run stopped to ask before deleting or resyncing.
  "failed", // Failed in a way retrying will not fix (credentials, unknown remote).
  "disabled",
]);
export type SyncRuleState = z.infer<typeof syncRuleStateSchema>;

/** A rule's live state. */
export const syncRuleStatusSchema = z.object({
  rule_id: z.string(),
  name: z.string(),
  status: syncRuleStateSchema,
  job_id: z.string().nullable(),
  progress: syncProgressSchema.nullable(),
  last_success_at: utcTimestampSchema.nullable(),
  last_error: syncFailureSchema.nullable(),
  /** Failed attempts since the last success. */
  attempt: z.number().int().nonnegative(),
  next_attempt_at: utcTimestampSchema.nullable(),
  /** Files a watch rule saw change that are not on the remote yet; null for other rules. */
  unsynced_files: z.number().int().nonnegative().nullable(),
});
export type SyncRuleStatus = z.infer<typeof syncRuleStatusSchema>;

/** Per push rule: whether everything it covers is on the remote. */
export const syncRuleSafetySchema = z.object({
  rule_id: z.string(),
  name: z.string(),
  state: z.enum(["synced", "unsynced", "unknown"]),
  unsynced_files: z.number().int().nonnegative().nullable(),
  last_synced_at: utcTimestampSchema.nullable(),
  /** When `rclone check` last verified the rule; null when only tracking was used. */
  checked_at: utcTimestampSchema.nullable(),
});

/** The instance-wide "safe to destroy" answer. */
export const syncSafetySchema = z.object({
  /** True when every enabled push rule is synced, false when one is not, null when one is unknown. */
  safe: z.boolean().nullable(),
  unsynced_files: z.number().int().nonnegative(),
  /** Oldest time at which each push rule was last known synced: "all synced N s ago" counts from here. */
  all_synced_at: utcTimestampSchema.nullable(),
  rules: z.array(syncRuleSafetySchema),
});
export type SyncSafety = z.infer<typeof syncSafetySchema>;

export const syncRemoteSchema = z.object({ name: z.string(), type: z.string() });

/** The engine as the Sync page shows it. */
export const syncEngineStateSchema = z.object({
  /** `unavailable` when rclone could not be started or the engine failed to load; `detail` gives the reason. */
  state: z.enum(["running", "starting", "stopped", "unavailable"]),
  detail: z.string().max(1000).nullable(),
  rclone_version: z.string().nullable(),
  /** Whether an rclone.conf is present on the instance. */
  config_present: z.boolean(),
  max_parallel: z.number().int().positive(),
});
export type SyncEngineState = z.infer<typeof syncEngineStateSchema>;

const runResultSchema = z.object({
  /** True when the run was started or joined the rule's follow-up run. */
  accepted: z.boolean(),
  /** With `wait`, the finished job; null when a watch batch had nothing to upload. */
  job: syncJobSchema.nullable(),
});

const ruleIdArgs = z.strictObject({ id: syncRuleIdSchema });
// Rule bodies are checked field by field by the reporter, which names the field at fault.
const ruleBody = z.record(z.string(), z.unknown());

export const syncCommands = {
  "sync.status": {
    args: z.strictObject({}),
    result: z.object({ engine: syncEngineStateSchema, rules: z.array(syncRuleStatusSchema) }),
    scope: "read",
  },
  "sync.remote.list": {
    args: z.strictObject({}),
    result: z.object({ remotes: z.array(syncRemoteSchema) }),
    scope: "read",
  },
  "sync.remote.test": {
    args: z.strictObject({ remote: syncRemoteNameSchema }),
    result: z.object({
      ok: z.boolean(),
      remote: z.string(),
      duration_ms: z.number().nonnegative(),
      entries: z.number().int().nonnegative().nullable(),
      failure: syncFailureSchema.nullable(),
    }),
    scope: "read",
  },
  "sync.remote.remove": {
    args: z.strictObject({ remote: syncRemoteNameSchema }),
    result: z.object({ remotes: z.array(syncRemoteSchema) }),
    scope: "admin",
  },
  /**
   * Writes rclone.conf. `merge` replaces only the pasted remotes and keeps the others;
   * `replace` swaps the whole file. The text is a secret: never logged, echoed or audited.
   */
  "sync.config.set": {
    args: z.strictObject({
      rclone_conf: z.string().min(1).max(MAX_RCLONE_CONF_CHARS, `at most ${MAX_RCLONE_CONF_CHARS} characters`),
      mode: z.enum(["merge", "replace"]).default("merge"),
    }),
    result: z.object({ remotes: z.array(syncRemoteSchema), sha256: z.string().regex(/^[0-9a-f]{64}$/) }),
    scope: "admin",
  },
  "sync.rule.list": {
    args: z.strictObject({}),
    result: z.object({ rules: z.array(syncRuleSchema) }),
    scope: "read",
  },
  "sync.rule.create": {
    args: z.union([
      z.strictObject({ rule: ruleBody }),
      z.strictObject({ preset: syncPresetNameSchema, options: syncPresetOptionsSchema }),
    ]),
    result: z.object({ rule: syncRuleSchema }),
    scope: "admin",
  },
  "sync.rule.update": {
    args: z.strictObject({ id: syncRuleIdSchema, patch: ruleBody }),
    result: z.object({ rule: syncRuleSchema }),
    scope: "admin",
  },
  "sync.rule.delete": {
    args: ruleIdArgs,
    result: z.object({ deleted: z.boolean() }),
    scope: "admin",
  },
  "sync.rule.run": {
    args: z.strictObject({
      id: syncRuleIdSchema,
      /** Lets a mirror run delete more than its limit, or a two-way run pass bisync's safety abort. */
      confirm_deletes: z.boolean().optional(),
      /** Rebuilds a two-way rule's state with `--resync`. */
      resync: z.boolean().optional(),
      /** Waits for the job to finish; otherwise the result comes back once the run is requested. */
      wait: z.boolean().optional(),
    }),
    result: runResultSchema,
    scope: "control",
  },
  /** Runs every enabled push rule now: the "sync now" button. */
  "sync.now": {
    args: z.strictObject({}),
    result: z.object({ rule_ids: z.array(z.string()) }),
    scope: "control",
  },
  "sync.jobs": {
    args: z.strictObject({
      rule_id: syncRuleIdSchema.optional(),
      status: syncJobStatusSchema.optional(),
      limit: z.number().int().min(1).max(500).optional(),
    }),
    result: z.object({ jobs: z.array(syncJobSchema) }),
    scope: "read",
  },
  "sync.safe_to_destroy": {
    args: z.strictObject({ verify: z.boolean().optional() }),
    result: syncSafetySchema,
    scope: "read",
  },
} as const satisfies Record<string, CommandSpec>;

/** Capability the edge lists in `welcome.features` once it stores `secret_update` frames. */
export const EDGE_FEATURE_SECRET_UPDATE = "secret_update";
