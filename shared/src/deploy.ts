import { z } from "zod";

import type { CommandSpec } from "./commands.js";
import { launchOptionsSchema, nodePackNameSchema } from "./comfyui-control.js";
import { syncPresetNameSchema, syncRemoteNameSchema } from "./sync.js";
import { utcTimestampSchema } from "./time.js";

// The deploy engine: the setup wizard sends `deploy.start`, the reporter runs the steps in
// order, records each step's inputs and outcome, and streams `deploy.step` and `deploy.log`
// events. A deploy is resumable: a new request skips every step whose inputs are unchanged
// since it last succeeded. This module must not import commands.ts at run time, because
// commands.ts spreads it in and the cycle would leave those imports undefined.

/** The steps in the order the engine runs them. */
export const DEPLOY_STEP_IDS = [
  "preflight", // Disk space, GPU visible, tokens present, remote reachable, ComfyUI port free.
  "system_packages", // git, python3 with venv and pip, rclone, aria2.
  "comfyui", // Adopt the install at COMFYUI_DIR or clone the chosen ref and build its venv.
  "attention", // FlashAttention, SageAttention or nothing, into ComfyUI's Python environment.
  "custom_nodes", // Clone in parallel, then install requirements one node at a time under the torch constraints.
  "restore", // Pull and on-deploy sync rules: workflows, user settings, node snapshot, rules.
  "models", // Queue the downloads the workflows' manifests need.
  "start", // Start ComfyUI under PM2 on 127.0.0.1 with the chosen launch options.
  "ready", // Wait for ComfyUI's ready line or /system_stats; disable a node that crash-loops it.
] as const;
export const deployStepIdSchema = z.enum(DEPLOY_STEP_IDS);
export type DeployStepId = z.infer<typeof deployStepIdSchema>;

/** `skipped` means the step's inputs equal those of its last success, so it did not run again. */
export const deployStepStateSchema = z.enum(["pending", "running", "done", "skipped", "failed"]);
export type DeployStepState = z.infer<typeof deployStepStateSchema>;

/** `interrupted` is a run whose reporter died; the next `deploy.start` or `deploy.retry` resumes it. */
export const deployRunStateSchema = z.enum(["running", "succeeded", "failed", "interrupted"]);
export type DeployRunState = z.infer<typeof deployRunStateSchema>;

/** `restore` also pulls workflows, settings and the node snapshot from `remote`; `fresh` starts empty. */
export const deployModeSchema = z.enum(["fresh", "restore"]);

export const attentionLibrarySchema = z.enum(["none", "flash", "sage"]);
export type AttentionLibrary = z.infer<typeof attentionLibrarySchema>;

/**
 * A git URL the engine passes to git as one argument: https, or file:// for local
 * repositories. A value starting with '-' would read as an option, so the scheme rule rejects it.
 */
export const gitUrlSchema = z
  .string()
  .max(500)
  .regex(/^(https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?\/[^\s\u0000-\u001f]+|file:\/\/\/[^\s\u0000-\u001f]+)$/, "an https:// or file:/// git URL without spaces")
  .refine((url) => !url.includes("/../") && !url.endsWith("/.."), "a git URL without '..' segments");

/** A branch, tag or commit: no leading '-', no '..', no spaces. */
export const gitRefSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._/+-]{0,99}$/, "a branch, tag or commit such as v0.3.64, master or a commit hash")
  .refine((ref) => !ref.includes(".."), "a git ref without '..'");

/** A custom node to install: its repository and optionally the ref to check out (default branch otherwise). */
export const deployCustomNodeSchema = z.strictObject({
  url: gitUrlSchema,
  ref: gitRefSchema.nullable().default(null),
});
export type DeployCustomNode = z.infer<typeof deployCustomNodeSchema>;

/** The request of `deploy.start`. Secrets (tokens, rclone.conf) reach the reporter separately, through `secrets.set` and `sync.config.set`. */
export const deployRequestSchema = z.strictObject({
  mode: deployModeSchema,
  /** ComfyUI repository; null uses the reporter's configured one (upstream ComfyUI by default). */
  comfyui_repository: gitUrlSchema.nullable().default(null),
  /** Ref to check out; null picks the newest stable tag (vX.Y.Z without a suffix). */
  comfyui_ref: gitRefSchema.nullable().default(null),
  launch_options: launchOptionsSchema.default(launchOptionsSchema.parse({})),
  attention: attentionLibrarySchema.default("none"),
  custom_nodes: z.array(deployCustomNodeSchema).max(100).default([]),
  /** Sync presets to create on `remote` before the restore step; existing rules of the same preset are kept. */
  sync_presets: z.array(syncPresetNameSchema).max(10).default([]),
  /** Remote the presets point at and a restore pulls from; required by `restore` mode. */
  remote: syncRemoteNameSchema.nullable().default(null),
  /** Folder on the remote under which the presets keep their subfolders. */
  remote_base: z.string().min(1).max(500).nullable().default(null),
  /** Time limit for ComfyUI to become ready after the start, in seconds. */
  ready_timeout_s: z.number().int().min(10).max(1800).default(300),
});
export type DeployRequest = z.infer<typeof deployRequestSchema>;
export type DeployRequestInput = z.input<typeof deployRequestSchema>;

/** A step's error: a stable code and an English sentence naming the value at fault and the fix. */
export const deployStepErrorSchema = z.object({
  code: z.string().max(64),
  message: z.string().max(2000),
});

/** One step of a run as the wizard shows it. */
export const deployStepSchema = z.object({
  id: deployStepIdSchema,
  state: deployStepStateSchema,
  started_at: utcTimestampSchema.nullable(),
  finished_at: utcTimestampSchema.nullable(),
  duration_ms: z.number().int().nonnegative().nullable(),
  /** The newest log lines of the step, oldest first. */
  log: z.array(z.string().max(2000)).max(50),
  error: deployStepErrorSchema.nullable(),
});
export type DeployStep = z.infer<typeof deployStepSchema>;

/** A custom node the engine left out, and why: a refused requirement or an import that crashed ComfyUI. */
export const deployNodeIssueSchema = z.object({
  name: nodePackNameSchema,
  /** `requirements`: pip refused or a requirement conflicts with the pinned torch stack; `import_failed`: moved aside after crash loops. */
  kind: z.enum(["clone", "requirements", "import_failed"]),
  reason: z.string().max(2000),
  /** Folder a disabled node was moved to. Moving it back re-enables the node. */
  moved_to: z.string().max(1024).nullable(),
});
export type DeployNodeIssue = z.infer<typeof deployNodeIssueSchema>;

export const deployRunSchema = z.object({
  id: z.string().max(64),
  state: deployRunStateSchema,
  request: deployRequestSchema,
  started_at: utcTimestampSchema,
  finished_at: utcTimestampSchema.nullable(),
  steps: z.array(deployStepSchema),
  node_issues: z.array(deployNodeIssueSchema),
});
export type DeployRun = z.infer<typeof deployRunSchema>;

/** An existing ComfyUI checkout the engine found at COMFYUI_DIR. */
const installedComfyuiSchema = z.object({
  path: z.string(),
  commit: z.string().nullable(),
  tag: z.string().nullable(),
  /** The Python it would run with: its venv's interpreter, else python3. */
  python: z.string().nullable(),
});

export const deployCommands = {
  /** The step list, the values to pre-fill and what is installed already. */
  "deploy.plan": {
    args: z.strictObject({}),
    result: z.object({
      steps: z.array(deployStepIdSchema),
      defaults: deployRequestSchema,
      deployed: z.boolean(),
      running_deploy_id: z.string().nullable(),
      installed: installedComfyuiSchema.nullable(),
      /** Stable tags of the configured ComfyUI repository, newest first; empty when it cannot be listed. */
      comfyui_tags: z.array(z.string()).max(200),
    }),
    scope: "read",
  },
  /** Starts a deploy in the background. A second one while a deploy runs fails with `deploy_already_running` and `params.deploy_id`. */
  "deploy.start": {
    args: deployRequestSchema,
    result: z.object({ deploy_id: z.string().max(64), skipped: z.array(deployStepIdSchema) }),
    scope: "admin",
  },
  /** A run's state; without `deploy_id`, the newest run (null when there was none). */
  "deploy.status": {
    args: z.strictObject({ deploy_id: z.string().max(64).optional() }),
    result: z.object({ deployed: z.boolean(), deploy: deployRunSchema.nullable() }),
    scope: "read",
  },
  /** Runs a failed or interrupted deploy's request again; steps that succeeded with the same inputs are skipped. */
  "deploy.retry": {
    args: z.strictObject({ deploy_id: z.string().max(64) }),
    result: z.object({ deploy_id: z.string().max(64), skipped: z.array(deployStepIdSchema) }),
    scope: "admin",
  },
} as const satisfies Record<string, CommandSpec>;

/** Event fields of `deploy.step`: a step changed state (sent at once). */
export const deployStepEventFields = {
  deploy_id: z.string().max(64),
  step: deployStepSchema,
};

/** Event fields of `deploy.log`: new log lines of a step, batched about once a second. */
export const deployLogEventFields = {
  deploy_id: z.string().max(64),
  step_id: deployStepIdSchema,
  lines: z.array(z.string().max(2000)).max(200),
};

/** Event fields of `deploy.finished`: the run ended. */
export const deployFinishedEventFields = {
  deploy_id: z.string().max(64),
  state: deployRunStateSchema,
  node_issues: z.array(deployNodeIssueSchema),
};
