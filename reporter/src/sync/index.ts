/** @module The cloud-sync engine: rclone remotes, sync rules, jobs and "safe to destroy". */
export { SyncEngine } from "./engine/sync-engine.js";
export type { RunOptions } from "./engine/engine.js";
export type { SyncEngineEvents, SyncEngineOptions } from "./engine/options.js";
export type { RuleSafety, RuleStatus, RuleStatusName, SafeToDestroy } from "./engine/status.js";
export { SYNC_RETRY_BACKOFF } from "./engine/retry.js";
export { jobRecordSchema, jobReasonSchema, jobStatusSchema } from "./jobs/history.js";
export type { JobQuery, JobReason, JobRecord, JobStatus } from "./jobs/history.js";
export { SYNC_FAILURE_CODES } from "./rclone/classify.js";
export type { SyncFailure, SyncFailureCode } from "./rclone/classify.js";
export type { TransferProgress } from "./rclone/progress.js";
export type { RcloneCapabilities, RcloneVersion } from "./rclone/version.js";
export { remoteNameSchema } from "./remotes/remotes.js";
export type { RemoteInfo, RemoteTestResult } from "./remotes/remotes.js";
export type { ConfigChange } from "./remotes/config-change.js";
export { PRESET_NAMES, presetNameSchema, presetOptionsSchema } from "./rules/presets.js";
export type { PresetName, PresetOptions } from "./rules/presets.js";
export { directionSchema, methodSchema, ruleIdSchema, ruleInputSchema, rulePatchSchema, ruleSchema, rulesFileSchema, triggerSchema } from "./rules/schema.js";
export type { RuleInput, RulePatch, SyncRule, Trigger } from "./rules/schema.js";
