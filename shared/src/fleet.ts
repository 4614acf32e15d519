import { z } from "zod";

import { instanceIdSchema } from "./messages.js";
import { comfyuiStateSchema } from "./overview.js";
import { utcTimestampSchema } from "./time.js";

// The fleet as a whole: heartbeat history, hourly prices and spend, and the status the
// edge serves to the fleet page and to external orchestration (JSON and Prometheus).

// Heartbeat history

/** Chart ranges the edge serves. Each range reads one storage tier. */
export const HISTORY_RANGES = ["1h", "48h", "30d"] as const;
export const historyRangeSchema = z.enum(HISTORY_RANGES);
export type HistoryRange = z.infer<typeof historyRangeSchema>;

/** Span and sample spacing of each range, in ms. The 1 h range keeps every sample, at least 5 s apart. */
export const HISTORY_TIERS: Record<HistoryRange, { spanMs: number; resolutionMs: number; maxSamples: number }> = {
  "1h": { spanMs: 60 * 60_000, resolutionMs: 5_000, maxSamples: 720 },
  "48h": { spanMs: 48 * 60 * 60_000, resolutionMs: 60_000, maxSamples: 2_880 },
  "30d": { spanMs: 30 * 24 * 60 * 60_000, resolutionMs: 15 * 60_000, maxSamples: 2_880 },
};

const percent = z.number().min(0).max(100);
const fraction = z.number().min(0).max(1);

/**
 * One point of an instance's history: the mean of the snapshots that fell into it. GPU
 * figures are over all GPUs (utilization averaged, VRAM and temperature the highest);
 * null where no snapshot in the point carried the figure.
 */
export const historySampleSchema = z.object({
  /** Start of the point, epoch ms. */
  t: z.number().int().nonnegative(),
  gpu_util_percent: percent.nullable(),
  vram_percent: percent.nullable(),
  gpu_temp_c: z.number().nullable(),
  cpu_percent: percent.nullable(),
  memory_percent: percent.nullable(),
  disk_percent: percent.nullable(),
  /** Share of the merged snapshots in which ComfyUI, downloads or sync had work. */
  busy: fraction,
  /** Snapshots merged into this point. */
  count: z.number().int().positive(),
});
export type HistorySample = z.infer<typeof historySampleSchema>;

/** Query of `GET /api/instances/:id/history`. */
export const historyQuerySchema = z.strictObject({ range: historyRangeSchema.default("1h") });

/** Body of `GET /api/instances/:id/history`: oldest first, spaced at least `resolution_ms` apart. */
export const historyResponseSchema = z.object({
  instance_id: instanceIdSchema,
  range: historyRangeSchema,
  resolution_ms: z.number().int().positive(),
  from: z.number().int(),
  to: z.number().int(),
  samples: z.array(historySampleSchema),
});
export type HistoryResponse = z.infer<typeof historyResponseSchema>;

// Prices and spend

export const priceSourceSchema = z.enum(["manual", "vast", "runpod"]);
export type PriceSource = z.infer<typeof priceSourceSchema>;

const currencySchema = z.string().regex(/^[A-Z]{3}$/, "a three-letter currency code such as USD or CNY");

/**
 * Body of `PUT /api/instances/:id/price`: an hourly price typed in, or the provider and the
 * provider's own id of the machine, from which the edge reads the price (vast.ai and RunPod bill in USD).
 */
export const priceRequestSchema = z.discriminatedUnion("source", [
  z.strictObject({ source: z.literal("manual"), hourly_price: z.number().nonnegative().max(10_000), currency: currencySchema.default("USD") }),
  z.strictObject({ source: z.literal("vast"), provider_id: z.string().regex(/^[0-9]{1,20}$/, "a vast.ai instance id: digits only") }),
  z.strictObject({ source: z.literal("runpod"), provider_id: z.string().regex(/^[A-Za-z0-9]{1,64}$/, "a RunPod pod id: letters and digits") }),
]);
export type PriceRequest = z.infer<typeof priceRequestSchema>;

/** An instance's price as stored. `provider_id` is set for provider prices. */
export const instancePriceSchema = z.object({
  hourly_price: z.number().nonnegative(),
  currency: currencySchema,
  source: priceSourceSchema,
  provider_id: z.string().nullable(),
  set_at: utcTimestampSchema,
});
export type InstancePrice = z.infer<typeof instancePriceSchema>;

// Fleet status

/** An instance offline for longer than this is listed apart as "gone". */
export const GONE_AFTER_MS = 3 * 24 * 60 * 60_000;

/** One instance in `GET /api/fleet/status`. */
export const fleetInstanceStatusSchema = z.object({
  instance_id: instanceIdSchema,
  name: z.string(),
  online: z.boolean(),
  last_seen_at: utcTimestampSchema.nullable(),
  offline_since: utcTimestampSchema.nullable(),
  /** Offline for longer than {@link GONE_AFTER_MS}. */
  gone: z.boolean(),
  /** Seconds a reporter was connected, summed since enrollment. */
  uptime_s: z.number().nonnegative(),
  /** Whether nothing runs (ComfyUI queue empty, no download, no sync job); null before the first snapshot. */
  idle: z.boolean().nullable(),
  /** Start of the current idle stretch, or null while busy. */
  idle_since: utcTimestampSchema.nullable(),
  /** Seconds spent idle while connected, summed since enrollment. */
  idle_s: z.number().nonnegative(),
  price: instancePriceSchema.nullable(),
  /** Hourly price times connected hours since the price was set, in the price's currency; null without a price. */
  spend: z.number().nonnegative().nullable(),
  comfyui_state: comfyuiStateSchema.nullable(),
  queue_running: z.number().int().nonnegative().nullable(),
  queue_pending: z.number().int().nonnegative().nullable(),
  gpu_util_percent: percent.nullable(),
  vram_percent: percent.nullable(),
  gpu_temp_c: z.number().nullable(),
  disk_percent: percent.nullable(),
  /** Sync's "safe to destroy": true when every push rule is on the remote, null when unknown or sync is off. */
  sync_safe: z.boolean().nullable(),
  unsynced_files: z.number().int().nonnegative().nullable(),
});
export type FleetInstanceStatus = z.infer<typeof fleetInstanceStatusSchema>;

export const fleetStatusSchema = z.object({
  generated_at: utcTimestampSchema,
  instances: z.array(fleetInstanceStatusSchema),
});
export type FleetStatus = z.infer<typeof fleetStatusSchema>;

// Cheap links: constant pings and snapshot deltas

/** Edge feature: the object answers {@link PING_FRAME} with {@link PONG_FRAME} without waking. */
export const EDGE_FEATURE_PING_AUTO_RESPONSE = "ping_auto_response";

/** Edge feature: the edge acknowledges numbered snapshots and accepts `snapshot_delta`. */
export const EDGE_FEATURE_SNAPSHOT_DELTA = "snapshot_delta";

/**
 * The exact ping and pong texts of the auto-response. The runtime matches the request text
 * byte for byte, so the reporter must send exactly this string.
 */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';
