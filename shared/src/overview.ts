import { z } from "zod";

import { utcTimestampSchema } from "./time.js";
import { tunnelModeSchema, tunnelStatusSchema } from "./tunnel.js";

// The overview snapshot follows the roadmap's `/api/overview` shape (system, services,
// comfyui, sync, tunnel, downloads, dashboard_version) with snake_case keys. A section
// whose feature is not built or not configured is `{ available: false, reason }`,
// never missing and never filled with made-up values.

const nonNegative = z.number().nonnegative();
const percent = z.number().min(0).max(100);

/** Reason a section has no data. */
export const unavailableReasonSchema = z.enum([
  "not_built", // This version of ComfyCarry does not have the feature yet.
  "not_configured", // The feature exists but the user has not set it up.
  "error", // The source failed; `detail` describes the failure.
]);

export const unavailableSectionSchema = z.object({
  available: z.literal(false),
  reason: unavailableReasonSchema,
  detail: z.string().max(500).optional(),
});
export type UnavailableSection = z.infer<typeof unavailableSectionSchema>;

/** One GPU as nvidia-smi reports it; `null` where the driver prints `[N/A]` or `[Not Supported]`. */
export const gpuSchema = z.object({
  index: z.number().int().nonnegative(),
  name: z.string(),
  uuid: z.string().nullable(),
  utilization_percent: percent.nullable(),
  temperature_c: z.number().nullable(),
  power_draw_w: nonNegative.nullable(),
  power_limit_w: nonNegative.nullable(),
  memory_used_bytes: nonNegative.nullable(),
  memory_total_bytes: nonNegative.nullable(),
  compute_capability: z.string().nullable(),
});
export type Gpu = z.infer<typeof gpuSchema>;

/** GPU sampling state: when nvidia-smi fails, `gpus` keeps the last good sample and `error` gives the reason. */
export const gpuErrorSchema = z.object({
  code: z.enum(["nvidia_smi_missing", "nvml_failed", "nvidia_smi_failed", "no_sample_yet"]),
  message: z.string().max(1000),
  since: utcTimestampSchema,
});

export const systemSchema = z.object({
  hostname: z.string(),
  uptime_s: nonNegative,
  cpu: z.object({
    model: z.string(),
    cores: z.number().int().positive(),
    usage_percent: percent,
  }),
  memory: z.object({
    total_bytes: nonNegative,
    used_bytes: nonNegative,
  }),
  disk: z.object({
    path: z.string(),
    total_bytes: nonNegative,
    used_bytes: nonNegative,
    free_bytes: nonNegative,
  }),
  gpus: z.array(gpuSchema),
  gpu_error: gpuErrorSchema.nullable(),
});
export type SystemSection = z.infer<typeof systemSchema>;

export const serviceStatusSchema = z.enum([
  "online",
  "stopping",
  "stopped",
  "launching",
  "errored",
  "one-launch-status",
  "waiting restart",
  "unknown",
]);
export type ServiceStatus = z.infer<typeof serviceStatusSchema>;

/** One PM2 process. */
export const serviceSchema = z.object({
  name: z.string(),
  pm_id: z.number().int(),
  status: serviceStatusSchema,
  pid: z.number().int().nullable(),
  started_at: utcTimestampSchema.nullable(),
  uptime_s: nonNegative.nullable(),
  restarts: z.number().int().nonnegative(),
  cpu_percent: nonNegative,
  memory_bytes: nonNegative,
});
export type Service = z.infer<typeof serviceSchema>;

export const servicesSchema = z.discriminatedUnion("available", [
  z.object({ available: z.literal(true), items: z.array(serviceSchema) }),
  unavailableSectionSchema,
]);

/** ComfyUI's life-cycle state as the reporter judges it from PM2 and the HTTP API. */
export const comfyuiStateSchema = z.enum(["online", "starting", "offline", "crashed"]);
export type ComfyuiState = z.infer<typeof comfyuiStateSchema>;

/** The prompt that ComfyUI is running now. */
export const currentPromptSchema = z.object({
  prompt_id: z.string(),
  started_at: utcTimestampSchema.nullable(),
  /** Node id executing now, or null between nodes. */
  node: z.string().nullable(),
  /** Class of that node, e.g. `KSampler`, from the prompt graph. */
  node_class: z.string().nullable(),
  /** Nodes finished or cached so far, and nodes in the prompt. */
  nodes_done: z.number().int().nonnegative(),
  node_count: z.number().int().nonnegative(),
  /** Step progress of the executing node, or null when it reports none. */
  progress: z.object({ value: nonNegative, max: nonNegative }).nullable(),
});
export type CurrentPrompt = z.infer<typeof currentPromptSchema>;

export const comfyuiSchema = z.object({
  online: z.boolean(),
  state: comfyuiStateSchema,
  url: z.string(),
  version: z.string().nullable(),
  pytorch_version: z.string().nullable(),
  python_version: z.string().nullable(),
  queue_pending: z.number().int().nonnegative(),
  queue_running: z.number().int().nonnegative(),
  /** Roadmap field: class of the executing node, same as `current.node_class`. */
  current_node: z.string().nullable(),
  /** Roadmap field: step progress, same as `current.progress`. */
  progress: z.object({ value: nonNegative, max: nonNegative }).nullable(),
  current: currentPromptSchema.nullable(),
  last_activity_at: utcTimestampSchema.nullable(),
});
export type ComfyuiSection = z.infer<typeof comfyuiSchema>;

export const syncSchema = z.discriminatedUnion("available", [
  z.object({
    available: z.literal(true),
    worker_running: z.boolean(),
    rules_count: z.number().int().nonnegative(),
    last_activity: utcTimestampSchema.nullable(),
    last_status: z.enum(["success", "running", "failed", "never"]),
    // "Safe to destroy": optional, because reporters before this field did not send it.
    /** True when every enabled push rule is on the remote, false when one is not, null when unknown. */
    safe: z.boolean().nullable().optional(),
    /** Files push rules cover that are not on the remote yet. */
    unsynced_files: z.number().int().nonnegative().optional(),
    /** Since when everything has been on the remote: "all synced 12 s ago". */
    all_synced_at: utcTimestampSchema.nullable().optional(),
    /** Rules whose remote is unreachable right now. */
    offline_rules: z.number().int().nonnegative().optional(),
    /** Rules that failed and need the user (credentials, confirmation). */
    failed_rules: z.number().int().nonnegative().optional(),
  }),
  unavailableSectionSchema,
]);

export const tunnelStateSchema = z.enum(["online", "connecting", "offline", "unconfigured", "error"]);

export const tunnelSchema = z.discriminatedUnion("available", [
  z.object({
    available: z.literal(true),
    state: tunnelStateSchema,
    links: z.array(z.object({ name: z.string(), url: z.string() })),
    // Optional, because reporters before the Tunnel page did not send them.
    mode: tunnelModeSchema.optional(),
    /** The finer state behind `state`, e.g. `rate_limited` or `misconfigured` (both shown as `error`). */
    status: tunnelStatusSchema.optional(),
    /** Set while rate-limited: when the reporter starts cloudflared again. */
    next_attempt_at: utcTimestampSchema.nullable().optional(),
  }),
  unavailableSectionSchema,
]);

export const downloadsSchema = z.discriminatedUnion("available", [
  z.object({
    available: z.literal(true),
    active_count: z.number().int().nonnegative(),
    queue_count: z.number().int().nonnegative(),
    current: z
      .object({
        name: z.string(),
        downloaded_bytes: nonNegative,
        total_bytes: nonNegative.nullable(),
        speed_bytes_per_s: nonNegative,
      })
      .nullable(),
  }),
  unavailableSectionSchema,
]);

/**
 * Deploy state for the setup wizard, which shows until `deployed` is true. Step ids are the
 * `DEPLOY_STEP_IDS` of deploy.ts, kept as strings here because deploy.ts imports this module.
 */
export const deploySectionSchema = z.discriminatedUnion("available", [
  z.object({
    available: z.literal(true),
    /** True once a deploy succeeded in this workspace. */
    deployed: z.boolean(),
    state: z.enum(["never", "running", "succeeded", "failed", "interrupted"]),
    deploy_id: z.string().nullable(),
    current_step: z.string().nullable(),
    finished_at: utcTimestampSchema.nullable(),
  }),
  unavailableSectionSchema,
]);
export type DeploySection = z.infer<typeof deploySectionSchema>;

/** The overview snapshot: everything the overview page needs, in one object. */
export const overviewSchema = z.object({
  instance_id: z.string(),
  captured_at: utcTimestampSchema,
  system: systemSchema,
  services: servicesSchema,
  comfyui: comfyuiSchema,
  sync: syncSchema,
  tunnel: tunnelSchema,
  downloads: downloadsSchema,
  /** Absent from reporters built before the deploy engine. */
  deploy: deploySectionSchema.optional(),
  dashboard_version: z.string(),
});
export type Overview = z.infer<typeof overviewSchema>;

/**
 * The overview as the edge serves it: the last snapshot plus the edge's view of
 * the link. `snapshot` is null until a reporter has ever sent one.
 */
export const instanceOverviewSchema = z.object({
  instance_id: z.string(),
  online: z.boolean(),
  /** When the reporter was last heard from (ping, snapshot or event). */
  last_seen_at: utcTimestampSchema.nullable(),
  /** Set while offline: when the link was judged lost. */
  offline_since: utcTimestampSchema.nullable(),
  /** Age of `snapshot` in milliseconds when this response was built. */
  snapshot_age_ms: nonNegative.nullable(),
  snapshot: overviewSchema.nullable(),
});
export type InstanceOverview = z.infer<typeof instanceOverviewSchema>;
