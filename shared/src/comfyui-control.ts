import { z } from "zod";

import type { CommandSpec } from "./commands.js";
import { serviceStatusSchema } from "./overview.js";
import { utcTimestampSchema } from "./time.js";

// Commands of the ComfyUI page (launch options, process, version, logs, lost prompts) and
// of the Plugins page (custom nodes through ComfyUI-Manager or git, snapshots). The
// reporter runs them in reporter/src/comfyui-control/; the web pages send them.

// commands.ts spreads this module's commands, so a value imported back from it would not be
// initialized yet; the prompt id shape is repeated here with the same rule.
const promptIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "a prompt id of 1–128 letters, digits, '_' or '-'");

/** An absolute POSIX path without control characters, such as an output folder. */
const absolutePathSchema = z
  .string()
  .max(1024)
  .regex(/^\/[^\u0000-\u001f]*$/, "an absolute path starting with '/', without control characters");

/** Launch options the form offers; `default` leaves ComfyUI's own choice. */
export const launchOptionsSchema = z.strictObject({
  vram_mode: z.enum(["default", "gpu-only", "highvram", "normalvram", "lowvram", "novram", "cpu"]).default("default"),
  preview_method: z.enum(["default", "none", "auto", "latent2rgb", "taesd"]).default("default"),
  attention: z.enum(["default", "split", "quad", "pytorch", "sage", "flash"]).default("default"),
  force_precision: z.enum(["default", "fp32", "fp16"]).default("default"),
  unet_precision: z.enum(["default", "fp32", "fp64", "bf16", "fp16", "fp8_e4m3fn", "fp8_e5m2", "fp8_e8m0fnu"]).default("default"),
  vae_precision: z.enum(["default", "fp16", "fp32", "bf16", "cpu"]).default("default"),
  text_encoder_precision: z.enum(["default", "fp8_e4m3fn", "fp8_e5m2", "fp16", "fp32", "bf16"]).default("default"),
  /** `true` is the bare `--fast` (every optimization); a list names some. */
  fast: z.union([z.boolean(), z.array(z.enum(["fp16_accumulation", "fp8_matrix_mult", "cublas_ops", "autotune"])).min(1).max(4)]).default(false),
  output_directory: absolutePathSchema.nullable().default(null),
  extra_model_paths: z.array(absolutePathSchema).max(8).default([]),
  /** Starts ComfyUI-Manager v4 (`--enable-manager`); needs the pip package. */
  enable_manager: z.boolean().default(false),
  /** Bind address. Anything but 127.0.0.1 exposes ComfyUI without our login and makes Manager refuse installs. */
  listen: z
    .string()
    .regex(/^[0-9A-Fa-f.:,]{2,100}$/, "IP addresses, comma-separated")
    .default("127.0.0.1"),
  /** Free-form arguments, split like a shell would split words but never run by one. */
  extra_args: z.string().max(2000).default(""),
});
export type LaunchOptions = z.infer<typeof launchOptionsSchema>;

/** What the reporter would run: the argument list and a quoted one-line preview. */
const launchPlanSchema = z.object({
  args: z.array(z.string()),
  preview: z.string(),
});

const processResultSchema = z.object({
  status: serviceStatusSchema,
  pid: z.number().int().nullable(),
  restarts: z.number().int().nonnegative(),
  online: z.boolean(),
  /** Pid of an orphan ComfyUI that held the port and was ended, if any. */
  orphan_pid: z.number().int().nullable(),
});
export type ComfyuiProcessResult = z.infer<typeof processResultSchema>;

/**
 * Commands that wait for ComfyUI need a browser `deadline_ms` above `wait_s`; the edge allows
 * at most MAX_COMMAND_DEADLINE_MS (10 minutes), so waits stay below it.
 */
const waitArgsSchema = z.strictObject({
  /** Time limit for ComfyUI to respond after the start; 0 returns at once. */
  wait_s: z.number().int().min(0).max(540).default(120),
});

const logLineSchema = z.object({ n: z.number().int().nonnegative(), text: z.string() });
export type ComfyuiLogLine = z.infer<typeof logLineSchema>;

/** A journaled prompt's state: `lost` means ComfyUI neither finished nor still has it. */
export const journaledPromptStateSchema = z.enum(["queued", "running", "done", "failed", "interrupted", "lost", "requeued"]);

const journaledPromptSchema = z.object({
  prompt_id: z.string(),
  state: journaledPromptStateSchema,
  queued_at: utcTimestampSchema,
  ended_at: utcTimestampSchema.nullable(),
  node_count: z.number().int().nonnegative(),
  requeued_as: z.string().nullable(),
  reason: z.string().nullable(),
});
export type JournaledPrompt = z.infer<typeof journaledPromptSchema>;

// Custom nodes

/** The ComfyUI-Manager flavour that responds: the legacy custom node (GET or POST routes), v4 (pip), or none. */
export const managerFlavourSchema = z.enum(["legacy-get", "legacy-post", "v4", "none"]);
export type ManagerFlavour = z.infer<typeof managerFlavourSchema>;

/** A custom-node folder name under custom_nodes/, never a path. */
export const nodePackNameSchema = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/, "a folder name of letters, digits, '.', '_' or '-'");

/** A registry id or folder name as Manager keys packs. */
const packIdSchema = z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._@/-]{0,199}$/, "a pack id of letters, digits, '.', '_', '-', '@' or '/'");

/** A version Manager accepts: semver, `latest`, `nightly` or a commit. */
const packVersionSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.+_-]{0,63}$/, "a version such as 1.2.0, latest, nightly or a commit hash");

const installedPackSchema = z.object({
  name: z.string(),
  cnr_id: z.string().nullable(),
  repository: z.string().nullable(),
  enabled: z.boolean(),
  version: z.string().nullable(),
  commit: z.string().nullable(),
  update_available: z.boolean().nullable(),
});
export type InstalledPack = z.infer<typeof installedPackSchema>;

const registryPackSchema = z.object({
  id: z.string(),
  title: z.string(),
  author: z.string(),
  description: z.string(),
  repository: z.string().nullable(),
  stars: z.number().nullable(),
  last_update: z.string().nullable(),
  latest_version: z.string().nullable(),
  state: z.enum(["enabled", "disabled", "not-installed"]),
});
export type RegistryPack = z.infer<typeof registryPackSchema>;

/** One Manager task as the Plugins page shows it on a row. */
const nodeTaskSchema = z.object({
  ui_id: z.string(),
  action: z.string(),
  target: z.string(),
  state: z.enum(["queued", "running", "done", "failed"]),
  /** Manager's reason for a failure, in plain words when it is a security refusal. */
  message: z.string().nullable(),
});
export type NodeTask = z.infer<typeof nodeTaskSchema>;

/** The custom-node set a snapshot restores: what sync stores and deploy applies. */
export const nodeSnapshotSchema = z.object({
  format: z.literal("comfycarry.nodes.v1"),
  taken_at: utcTimestampSchema,
  packs: z
    .array(
      z.object({
        name: nodePackNameSchema,
        repository: z.string().max(500),
        commit: z.string().regex(/^[0-9a-f]{40}$/, "a full 40-hex commit"),
        enabled: z.boolean(),
      }),
    )
    .max(500),
});
export type NodeSnapshot = z.infer<typeof nodeSnapshotSchema>;

// Queue and history

/** One item of ComfyUI's queue; `submitted_at` comes from the journal, else ComfyUI's `create_time`. */
const queueEntrySchema = z.object({
  prompt_id: z.string(),
  number: z.number(),
  submitted_at: utcTimestampSchema.nullable(),
  node_count: z.number().int().nonnegative(),
  client_id: z.string().nullable(),
});
export type ComfyuiQueueEntry = z.infer<typeof queueEntrySchema>;

/** Where ComfyUI keeps a file: the folders `/view` serves. */
export const viewTypeSchema = z.enum(["output", "input", "temp"]);

/** A file name as `/view` takes it: no folder part and no `..`. */
const viewFilenameSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^/\\\u0000-\u001f]+$/, "a file name without '/', '\\' or control characters")
  .refine((name) => !name.includes(".."), "a file name without '..'");

/** A subfolder relative to the type's folder: no leading '/', no `..`. */
const viewSubfolderSchema = z
  .string()
  .max(255)
  .regex(/^(?!\/)[^\\\u0000-\u001f]*$/, "a relative subfolder without a leading '/', '\\' or control characters")
  .refine((path) => !path.includes(".."), "a subfolder without '..'");

const outputImageSchema = z.object({ filename: z.string(), subfolder: z.string(), type: z.string() });
export type ComfyuiOutputImage = z.infer<typeof outputImageSchema>;

const historyItemSchema = z.object({
  prompt_id: z.string(),
  status: z.enum(["success", "error", "interrupted", "unknown"]),
  started_at: utcTimestampSchema.nullable(),
  ended_at: utcTimestampSchema.nullable(),
  duration_ms: z.number().int().nonnegative().nullable(),
  images: z.array(outputImageSchema),
});
export type ComfyuiHistoryItem = z.infer<typeof historyItemSchema>;

/** The largest image `comfyui.view.thumbnail` returns, before base64. */
export const MAX_THUMBNAIL_BYTES = 256 * 1024;

export const comfyuiControlCommands = {
  "comfyui.status": {
    args: z.strictObject({}),
    result: z.object({
      process: processResultSchema,
      version: z.object({ comfyui: z.string().nullable(), pytorch: z.string().nullable(), python: z.string().nullable() }),
      args: z.array(z.string()),
      restart_needed: z.boolean(),
    }),
    scope: "read",
  },
  "comfyui.launch.get": {
    args: z.strictObject({}),
    result: z.object({ options: launchOptionsSchema, ...launchPlanSchema.shape }),
    scope: "read",
  },
  "comfyui.launch.check": {
    args: z.strictObject({ options: launchOptionsSchema }),
    result: launchPlanSchema,
    scope: "read",
  },
  "comfyui.launch.set": {
    args: z.strictObject({ options: launchOptionsSchema, restart: z.boolean().default(true) }),
    result: z.object({ ...launchPlanSchema.shape, process: processResultSchema.nullable() }),
    scope: "admin",
  },
  "comfyui.start": { args: waitArgsSchema, result: processResultSchema, scope: "control" },
  "comfyui.stop": { args: z.strictObject({}), result: processResultSchema, scope: "control" },
  "comfyui.restart": { args: waitArgsSchema, result: processResultSchema, scope: "control" },
  "comfyui.version.list": {
    args: z.strictObject({}),
    result: z.object({ current: z.object({ commit: z.string(), tag: z.string().nullable(), branch: z.string().nullable() }), tags: z.array(z.string()) }),
    scope: "read",
  },
  "comfyui.version.switch": {
    args: z.strictObject({ tag: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/, "a tag name such as v0.3.64"), wait_s: z.number().int().min(5).max(240).default(180) }),
    result: z.object({ from: z.string(), to: z.string(), online: z.boolean(), rolled_back: z.boolean(), reason: z.string().nullable() }),
    scope: "admin",
  },
  /** The last `lines` lines; with `follow`, new lines arrive as `log` events (source `comfyui`) for `follow_s`. */
  "comfyui.logs.tail": {
    args: z.strictObject({ lines: z.number().int().min(1).max(5000).default(500), follow: z.boolean().default(true), follow_s: z.number().int().min(10).max(3600).default(300) }),
    result: z.object({ lines: z.array(logLineSchema), total: z.number().int().nonnegative() }),
    scope: "read",
  },
  /** Lines numbered below `before`, newest last: for scrolling up. */
  "comfyui.logs.older": {
    args: z.strictObject({ before: z.number().int().nonnegative(), lines: z.number().int().min(1).max(5000).default(500) }),
    result: z.object({ lines: z.array(logLineSchema) }),
    scope: "read",
  },
  "comfyui.logs.search": {
    args: z.strictObject({ query: z.string().min(1).max(200), limit: z.number().int().min(1).max(1000).default(200) }),
    result: z.object({ lines: z.array(logLineSchema), truncated: z.boolean() }),
    scope: "read",
  },
  /** One chunk of the whole log (rotated files first), for a download the browser assembles. */
  "comfyui.logs.download": {
    args: z.strictObject({ offset: z.number().int().nonnegative().default(0), length: z.number().int().min(1).max(512 * 1024).default(256 * 1024) }),
    result: z.object({ text: z.string(), offset: z.number().int(), next_offset: z.number().int(), size: z.number().int(), eof: z.boolean() }),
    scope: "read",
  },
  "comfyui.prompts.journal": {
    args: z.strictObject({ limit: z.number().int().min(1).max(500).default(100) }),
    result: z.object({ comfyui_online: z.boolean(), prompts: z.array(journaledPromptSchema) }),
    scope: "read",
  },
  "comfyui.prompts.requeue": {
    args: z.strictObject({ prompt_ids: z.array(promptIdSchema).min(1).max(100) }),
    result: z.object({ requeued: z.array(z.object({ from: z.string(), to: z.string() })) }),
    scope: "control",
  },
  "nodes.list": {
    args: z.strictObject({}),
    result: z.object({ manager: managerFlavourSchema, manager_version: z.string().nullable(), comfyui_online: z.boolean(), restart_needed: z.boolean(), packs: z.array(installedPackSchema) }),
    scope: "read",
  },
  "nodes.registry": {
    args: z.strictObject({
      search: z.string().max(200).default(""),
      sort: z.enum(["stars", "updated", "title"]).default("stars"),
      offset: z.number().int().nonnegative().default(0),
      limit: z.number().int().min(1).max(200).default(50),
    }),
    result: z.object({ total: z.number().int().nonnegative(), packs: z.array(registryPackSchema) }),
    scope: "read",
  },
  /** Queues one Manager action; progress comes from `nodes.tasks`. */
  "nodes.action": {
    args: z.strictObject({
      action: z.enum(["install", "update", "enable", "disable", "uninstall", "switch_version"]),
      id: packIdSchema,
      version: packVersionSchema.optional(),
    }),
    result: z.object({ ui_id: z.string() }),
    scope: "admin",
  },
  "nodes.tasks": {
    args: z.strictObject({}),
    result: z.object({ tasks: z.array(nodeTaskSchema), busy: z.boolean() }),
    scope: "read",
  },
  /** Clones an https git URL into custom_nodes and installs its requirements; works with ComfyUI stopped. */
  "nodes.install_git": {
    args: z.strictObject({ url: z.string().min(1).max(500) }),
    result: z.object({ name: z.string(), commit: z.string(), requirements: z.boolean() }),
    scope: "admin",
  },
  "nodes.snapshot.save": {
    args: z.strictObject({}),
    result: z.object({ file: z.string(), snapshot: nodeSnapshotSchema }),
    scope: "control",
  },
  "nodes.snapshot.restore": {
    args: z.strictObject({ snapshot: nodeSnapshotSchema }),
    result: z.object({ cloned: z.array(z.string()), checked_out: z.array(z.string()), unchanged: z.array(z.string()) }),
    scope: "admin",
  },
  /** Running and pending prompts, pending in the order ComfyUI runs them. */
  "comfyui.queue.list": {
    args: z.strictObject({}),
    result: z.object({ running: z.array(queueEntrySchema), pending: z.array(queueEntrySchema) }),
    scope: "read",
  },
  /** Removes pending prompts; a running one needs `comfyui.interrupt`. */
  "comfyui.queue.delete": {
    args: z.strictObject({ prompt_ids: z.array(promptIdSchema).min(1).max(100) }),
    result: z.object({ deleted: z.array(z.string()), not_deleted: z.array(z.string()) }),
    scope: "control",
  },
  /** The newest finished prompts, newest first. */
  "comfyui.history.list": {
    args: z.strictObject({ limit: z.number().int().min(1).max(50).default(20) }),
    result: z.object({ items: z.array(historyItemSchema) }),
    scope: "read",
  },
  /** A small preview of an output image, base64, at most MAX_THUMBNAIL_BYTES. */
  "comfyui.view.thumbnail": {
    args: z.strictObject({ filename: viewFilenameSchema, subfolder: viewSubfolderSchema.default(""), type: viewTypeSchema.default("output") }),
    result: z.object({ content_type: z.string(), data_base64: z.string(), bytes: z.number().int().nonnegative() }),
    scope: "read",
  },
} as const satisfies Record<string, CommandSpec>;
