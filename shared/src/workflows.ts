import { z } from "zod";

import type { CommandSpec } from "./commands.js";

// Workflow manifests: what a ComfyUI workflow needs (model files, custom node packs, the
// ComfyUI version), the Workflows page commands and the per-folder model pull policy.
// The manifest file format is documented in docs/manifest.md.

export const MANIFEST_FORMAT = "comfycarry.manifest";
export const MANIFEST_VERSION = 1;

const sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, "a lower-case hex SHA-256 of 64 characters");

/** A download location of a model file: a URL from the workflow, CivitAI or Hugging Face, or the user's remote. */
export const manifestSourceSchema = z.object({
  kind: z.enum(["workflow", "civitai", "huggingface", "remote"]),
  /** A download URL, or for `remote` the rclone path of the synced copy. */
  url: z.string().max(4000),
});
export type ManifestSource = z.infer<typeof manifestSourceSchema>;

/** A node input that names a model file. */
export const modelReferenceSchema = z.object({
  /** Node id; a node inside a subgraph is `<instance id>:<inner id>`, as ComfyUI's API export writes it. */
  node: z.string().max(256),
  class_type: z.string().max(256),
  /** Input name, `widget_<index>` for a widget of an unknown class, or `properties.models`. */
  input: z.string().max(256),
  /** False when the node is muted or bypassed. */
  active: z.boolean(),
});

export const manifestModelSchema = z.object({
  /** ComfyUI folder key such as `checkpoints` or `loras`; null when the loader class is unknown. */
  folder: z.string().max(200).nullable(),
  /** Path inside the folder with `/` separators, including any subfolder (`sdxl/base.safetensors`). */
  name: z.string().min(1).max(1000),
  size: z.number().int().nonnegative().nullable(),
  sha256: sha256Schema.nullable(),
  sources: z.array(manifestSourceSchema),
  /** True when at least one active node uses the file. */
  required: z.boolean(),
  used_by: z.array(modelReferenceSchema),
});
export type ManifestModel = z.infer<typeof manifestModelSchema>;

export const manifestNodePackSchema = z.object({
  /** Git URL of the pack; null when no catalog names a pack for these classes. */
  repository: z.string().max(2000).nullable(),
  /** Comfy Registry id (`cnr_id`) when the workflow or catalog records one. */
  id: z.string().max(200).nullable(),
  /** Commit hash or registry version the workflow was saved with. */
  commit: z.string().max(200).nullable(),
  class_types: z.array(z.string().max(256)),
  /** True when at least one active node uses a class of the pack. */
  required: z.boolean(),
});
export type ManifestNodePack = z.infer<typeof manifestNodePackSchema>;

export const inactiveNodeSchema = z.object({
  node: z.string().max(256),
  class_type: z.string().max(256),
  mode: z.enum(["muted", "bypassed"]),
});

/** The manifest of one workflow, or of an instance (the union over its workflows plus what is installed). */
export const workflowManifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(MANIFEST_VERSION),
  /** ComfyUI version or commit the workflow was saved with, when a node records it. */
  comfyui: z.object({ ref: z.string().max(200).nullable() }),
  models: z.array(manifestModelSchema),
  custom_nodes: z.array(manifestNodePackSchema),
  inactive_nodes: z.array(inactiveNodeSchema),
  /** Workflow files (relative to the workflows folder) this manifest was built from. */
  workflows: z.array(z.string().max(1000)),
});
export type WorkflowManifest = z.infer<typeof workflowManifestSchema>;

/** Per-folder policy for bringing models back to a fresh instance. */
export const pullPolicySchema = z.enum(["restore", "on_demand", "never"]);
export type PullPolicy = z.infer<typeof pullPolicySchema>;

/** A model of a workflow checked against the instance. */
export const modelStatusSchema = manifestModelSchema.extend({ present: z.boolean() });
export type ModelStatus = z.infer<typeof modelStatusSchema>;
/** A node pack of a workflow checked against the instance. */
export const nodePackStatusSchema = manifestNodePackSchema.extend({ present: z.boolean() });

export const workflowSummarySchema = z.object({
  /** Path relative to `user/default/workflows`, with `/` separators. */
  path: z.string().max(1000),
  size: z.number().int().nonnegative(),
  modified_at: z.string(),
  format: z.enum(["ui", "api"]).nullable(),
  /** Reason the file could not be read as a workflow; null when it parsed. */
  error: z.string().max(2000).nullable(),
  comfyui_ref: z.string().nullable(),
  models: z.array(modelStatusSchema),
  custom_nodes: z.array(nodePackStatusSchema),
  inactive_nodes: z.array(inactiveNodeSchema),
});
export type WorkflowSummary = z.infer<typeof workflowSummarySchema>;

const workflowPathSchema = z
  .string()
  .min(1)
  .max(1000)
  .regex(/^(?!\/)(?!.*(?:^|\/)\.\.(?:\/|$))[^\\\0]+\.json$/, "a relative path ending in .json, without '..' or backslashes");

export const workflowsCommands = {
  "workflows.list": {
    args: z.strictObject({}),
    result: z.object({ workflows: z.array(workflowSummarySchema) }),
    scope: "read",
  },
  "workflows.upload": {
    args: z.strictObject({
      path: workflowPathSchema,
      /**
       * The workflow file's text. Commands travel in messages of at most 1 MiB (MAX_MESSAGE_BYTES),
       * and JSON escaping lengthens the text (each quote and backslash doubles).
       * NOTE: 700 000 characters is an estimate that leaves room for typical workflows; a text of
       * mostly quotes can still exceed the message limit and is then rejected as payload_too_large.
       */
      content: z.string().min(2).max(700_000),
      overwrite: z.boolean().default(false),
    }),
    result: workflowSummarySchema,
    scope: "control",
  },
  "workflows.install_missing": {
    args: z.strictObject({ path: workflowPathSchema, restart: z.boolean().default(true) }),
    result: z.object({
      /** Download job ids queued for missing models. */
      download_ids: z.array(z.string()),
      /** Models still missing with no known source. */
      unresolved_models: z.array(z.object({ folder: z.string().nullable(), name: z.string() })),
      installed_packs: z.array(z.string()),
      failed_packs: z.array(z.object({ repository: z.string(), message: z.string().max(2000) })),
      /** Classes no catalog maps to a pack. */
      unknown_classes: z.array(z.string()),
      restarted: z.boolean(),
    }),
    scope: "control",
  },
  "workflows.manifest": {
    args: z.strictObject({}),
    result: workflowManifestSchema,
    scope: "read",
  },
  /** Queues an API-format prompt through the on-demand gate: missing models are pulled first, under a prompt id chosen now. */
  "workflows.prompt.submit": {
    args: z.strictObject({
      prompt: z.record(z.string(), z.looseObject({ class_type: z.string().min(1).max(256) })),
      client_id: z.string().max(128).optional(),
      extra_data: z.record(z.string(), z.unknown()).optional(),
    }),
    result: z.object({
      prompt_id: z.string(),
      /** True when the prompt waits for models; it is queued in ComfyUI once they arrive. */
      held: z.boolean(),
      models: z.array(z.string()),
    }),
    scope: "control",
  },
  "workflows.pull_policy.get": {
    args: z.strictObject({}),
    result: z.object({ folders: z.record(z.string(), pullPolicySchema), default: pullPolicySchema }),
    scope: "read",
  },
  "workflows.pull_policy.set": {
    args: z.strictObject({ folder: z.string().regex(/^[a-z0-9_]{1,64}$/, "a model folder key such as checkpoints"), policy: pullPolicySchema }),
    result: z.object({ folders: z.record(z.string(), pullPolicySchema), default: pullPolicySchema }),
    scope: "admin",
  },
} as const satisfies Record<string, CommandSpec>;

/** Fields of the event sent while a prompt waits for its models, and when that wait ends. */
export const promptWaitEventFields = {
  prompt_id: z.string().max(128),
  state: z.enum(["waiting", "submitted", "failed"]),
  /** Models being pulled, as `<folder>/<name>`. */
  models: z.array(z.string().max(1200)).max(100),
  /** Bytes still to transfer when known. */
  remaining_bytes: z.number().int().nonnegative().nullable(),
  /** Estimated seconds left, from the time each model pulled so far took; null before the first one lands. */
  eta_s: z.number().nonnegative().nullable(),
  reason: z.string().max(2000).nullable(),
};
