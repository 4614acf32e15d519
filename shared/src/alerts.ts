import { z } from "zod";

import { utcTimestampSchema } from "./time.js";

// Alerts are judged by the edge from the facts it already has: the stored snapshot, the
// reporter's events and the link state. Each alert is raised once, stays active while its
// condition is true and is cleared when it stops. The owner can acknowledge it meanwhile.

/** The built-in alert rules. */
export const alertRuleSchema = z.enum([
  "comfyui_down", // ComfyUI offline or crashed for longer than COMFYUI_DOWN_AFTER_MS.
  "crash_loop", // A PM2 service restarted CRASH_LOOP_RESTARTS times within CRASH_LOOP_WINDOW_MS, or PM2 gave up on it.
  "disk_usage", // Disk use above the warning or critical percentage.
  "vram_usage", // One GPU's memory use above the warning or critical percentage.
  "gpu_temperature", // One GPU above GPU_HOT_C.
  "gpu_lost", // nvidia-smi reports "Failed to initialize NVML": restart the container.
  "sync_failing", // A sync rule failed SYNC_FAILURE_STREAK times in a row.
  "download_failed", // A download job ended failed.
  "instance_offline", // No reporter for longer than OFFLINE_ALERT_AFTER_MS.
  "gpu_idle", // Nothing ran for the owner's idle time; see the alert settings.
]);
export type AlertRule = z.infer<typeof alertRuleSchema>;

export const alertSeveritySchema = z.enum(["warning", "critical"]);
export type AlertSeverity = z.infer<typeof alertSeveritySchema>;

/** How long ComfyUI must be down before `comfyui_down` is raised. */
export const COMFYUI_DOWN_AFTER_MS = 30_000;
/** How long the reporter must be gone (socket closed or no frame for OFFLINE_AFTER_MS) before `instance_offline`. */
export const OFFLINE_ALERT_AFTER_MS = 120_000;
/** Restarts within CRASH_LOOP_WINDOW_MS that count as a crash loop. */
export const CRASH_LOOP_RESTARTS = 3;
export const CRASH_LOOP_WINDOW_MS = 5 * 60_000;
/** Usage percentages of the overview's red zone. */
export const USAGE_WARNING_PERCENT = 85;
export const USAGE_CRITICAL_PERCENT = 95;
/** GPU temperature in °C above which `gpu_temperature` is raised. */
export const GPU_HOT_C = 85;
/** Consecutive failed jobs of one sync rule that raise `sync_failing`. */
export const SYNC_FAILURE_STREAK = 3;

/** Values an alert's message is built from (percentages, names, counts); never a secret. */
export const alertParamsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
export type AlertParams = z.infer<typeof alertParamsSchema>;

export const alertStateSchema = z.enum(["active", "cleared"]);

/** One alert as the edge stores and serves it. */
export const alertSchema = z.object({
  id: z.string().max(64),
  instance_id: z.string(),
  rule: alertRuleSchema,
  /** Subject of the alert within its rule, e.g. `vram_usage:0` for GPU 0. At most one alert per key is active. */
  key: z.string().max(200),
  severity: alertSeveritySchema,
  state: alertStateSchema,
  raised_at: utcTimestampSchema,
  cleared_at: utcTimestampSchema.nullable(),
  acknowledged_at: utcTimestampSchema.nullable(),
  params: alertParamsSchema,
});
export type Alert = z.infer<typeof alertSchema>;

export const alertListSchema = z.object({ alerts: z.array(alertSchema) });
export type AlertList = z.infer<typeof alertListSchema>;

/** Query of `GET /api/alerts` and `GET /api/instances/:id/alerts`. */
export const alertQuerySchema = z.strictObject({
  state: z.enum(["active", "cleared", "all"]).default("all"),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export type AlertQuery = z.infer<typeof alertQuerySchema>;

/** Per-instance alert settings the owner sets; idle alert and auto-stop stay off until set. */
export const alertSettingsSchema = z.strictObject({
  /** Minutes with an empty ComfyUI queue, no download and no sync job before `gpu_idle`; null turns it off. */
  idle_alert_minutes: z.number().int().min(1).max(7 * 24 * 60).nullable(),
  /** Price per hour the idle alert quotes; null leaves the amount out. */
  hourly_price: z.number().nonnegative().max(10_000).nullable(),
  currency: z.string().regex(/^[A-Z]{3}$/, "a three-letter currency code such as CNY or USD").default("CNY"),
  /** Minutes after the idle alert before the instance is stopped through its provider; null never stops it. */
  auto_stop_grace_minutes: z.number().int().min(1).max(24 * 60).nullable(),
});
export type AlertSettings = z.infer<typeof alertSettingsSchema>;

export const DEFAULT_ALERT_SETTINGS: AlertSettings = {
  idle_alert_minutes: null,
  hourly_price: null,
  currency: "CNY",
  auto_stop_grace_minutes: null,
};

// Notification channels

export const notifyChannelKindSchema = z.enum(["webhook", "wecom", "feishu", "dingtalk", "serverchan", "discord", "telegram"]);
export type NotifyChannelKind = z.infer<typeof notifyChannelKindSchema>;

const httpUrl = z.url({ protocol: /^https?$/ }).max(2000);

/** What a channel is sent: alert changes, prompt outcomes, or both. */
export const notifyTopicsSchema = z.strictObject({ alerts: z.boolean(), prompts: z.boolean() });

const channelBase = {
  name: z.string().trim().min(1).max(64),
  enabled: z.boolean().default(true),
  topics: notifyTopicsSchema,
};

/**
 * A channel's settings as the owner enters them. URLs and tokens inside are secrets: the edge
 * stores them encrypted and never returns them. `base_url` exists so tests can point a bot at loopback.
 */
export const notifyChannelConfigSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("webhook"), ...channelBase, url: httpUrl }),
  /** WeCom group robot: `https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…`. */
  z.strictObject({ kind: z.literal("wecom"), ...channelBase, url: httpUrl }),
  /** Feishu custom bot: `https://open.feishu.cn/open-apis/bot/v2/hook/…`, with the optional signing secret. */
  z.strictObject({ kind: z.literal("feishu"), ...channelBase, url: httpUrl, secret: z.string().min(1).max(200).nullable().default(null) }),
  /** DingTalk custom robot: `https://oapi.dingtalk.com/robot/send?access_token=…`, with the optional `SEC…` signing secret. */
  z.strictObject({ kind: z.literal("dingtalk"), ...channelBase, url: httpUrl, secret: z.string().min(1).max(200).nullable().default(null) }),
  /** ServerChan: the SendKey, posted to `<base_url>/<sendkey>.send`. */
  z.strictObject({
    kind: z.literal("serverchan"),
    ...channelBase,
    sendkey: z.string().regex(/^[A-Za-z0-9_-]{4,128}$/, "a ServerChan SendKey of letters, digits, '_' or '-'"),
    base_url: httpUrl.default("https://sctapi.ftqq.com"),
  }),
  z.strictObject({ kind: z.literal("discord"), ...channelBase, url: httpUrl }),
  z.strictObject({
    kind: z.literal("telegram"),
    ...channelBase,
    bot_token: z.string().regex(/^[0-9]+:[A-Za-z0-9_-]{20,}$/, "a bot token from @BotFather, like 123456:ABC…"),
    chat_id: z.string().regex(/^-?[0-9]{1,20}$|^@[A-Za-z0-9_]{5,32}$/, "a numeric chat id or an @channel name"),
    base_url: httpUrl.default("https://api.telegram.org"),
  }),
]);
export type NotifyChannelConfig = z.infer<typeof notifyChannelConfigSchema>;

/** A stored channel as the API returns it: its settings without any URL or token. */
export const notifyChannelViewSchema = z.object({
  id: z.string().max(64),
  kind: notifyChannelKindSchema,
  name: z.string(),
  enabled: z.boolean(),
  topics: notifyTopicsSchema,
  /** Host the channel posts to, so the owner can tell channels apart without seeing the secret. */
  host: z.string(),
});
export type NotifyChannelView = z.infer<typeof notifyChannelViewSchema>;

export const notifyChannelListSchema = z.object({ channels: z.array(notifyChannelViewSchema) });

/** A message before it is shaped for a channel; built only from alert params and prompt facts. */
export const notificationSchema = z.object({
  /** Unique per alert change or prompt outcome; a channel gets each id at most once. */
  id: z.string().max(200),
  topic: z.enum(["alert.raised", "alert.cleared", "prompt.finished", "prompt.failed"]),
  instance_id: z.string(),
  instance_name: z.string(),
  severity: z.enum(["info", "warning", "critical"]),
  title: z.string().max(200),
  text: z.string().max(2000),
  /** The same in Simplified Chinese, which the WeCom, Feishu, DingTalk and ServerChan formats use. */
  title_zh: z.string().max(200),
  text_zh: z.string().max(2000),
  at: utcTimestampSchema,
  rule: alertRuleSchema.nullable(),
  prompt_id: z.string().max(128).nullable(),
});
export type Notification = z.infer<typeof notificationSchema>;

// Auto-stop

/**
 * Where auto-stop stands: `off` (no grace set or nothing idle), `scheduled` (idle alert raised,
 * waiting for the grace period), `waiting` (due, but held back for `reason`), `stopped` (the
 * provider accepted the stop) or `failed` (the provider call failed; `reason` says why).
 */
export const autoStopStateSchema = z.enum(["off", "scheduled", "waiting", "stopped", "failed"]);

export const autoStopStatusSchema = z.object({
  state: autoStopStateSchema,
  /** When the stop is due (scheduled) or was tried last (waiting, stopped, failed). */
  at: utcTimestampSchema.nullable(),
  /** Why it waits or failed: `unsynced_files`, `sync_unknown`, `no_provider`, `provider_failed`. */
  reason: z.enum(["unsynced_files", "sync_unknown", "no_provider", "provider_failed"]).nullable(),
  /** Files still to upload when `reason` is `unsynced_files`. */
  unsynced_files: z.number().int().nonnegative().nullable(),
  detail: z.string().max(500).nullable(),
});
export type AutoStopStatus = z.infer<typeof autoStopStatusSchema>;

/** Active alert counts of one instance, kept by the fleet object so the status bar reads one place. */
export const instanceAlertSummarySchema = z.object({
  instance_id: z.string(),
  active: z.number().int().nonnegative(),
  critical: z.number().int().nonnegative(),
});
export type InstanceAlertSummary = z.infer<typeof instanceAlertSummarySchema>;

/** `GET /api/alerts/summary`: counts per instance with active alerts, and the totals. */
export const alertSummarySchema = z.object({
  active: z.number().int().nonnegative(),
  critical: z.number().int().nonnegative(),
  instances: z.array(instanceAlertSummarySchema),
});
export type AlertSummary = z.infer<typeof alertSummarySchema>;
