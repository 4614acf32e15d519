import { z } from "zod";

import type { CommandSpec } from "./commands.js";
import { utcTimestampSchema } from "./time.js";

// The reporter's health report: one line per part the instance depends on, so the owner sees
// which part failed and why without reading logs.

export const healthComponentSchema = z.enum(["edge_link", "pm2", "comfyui", "aria2", "rclone", "cloudflared", "disk", "gpu"]);
export type HealthComponent = z.infer<typeof healthComponentSchema>;

/** `ok` works, `degraded` works with a problem, `down` does not work, `not_configured` is not set up. */
export const healthStateSchema = z.enum(["ok", "degraded", "down", "not_configured"]);
export type HealthState = z.infer<typeof healthStateSchema>;

export const componentHealthSchema = z.object({
  component: healthComponentSchema,
  state: healthStateSchema,
  /** Reason the state is not `ok`, in English for logs, or null when it is `ok`. */
  reason: z.string().max(1000).nullable(),
});
export type ComponentHealth = z.infer<typeof componentHealthSchema>;

export const healthReportSchema = z.object({
  checked_at: utcTimestampSchema,
  /** The worst state of any configured component. */
  state: z.enum(["ok", "degraded", "down"]),
  components: z.array(componentHealthSchema),
});
export type HealthReport = z.infer<typeof healthReportSchema>;

export const healthCommands = {
  "health.report": { args: z.strictObject({}), result: healthReportSchema, scope: "read" },
} as const satisfies Record<string, CommandSpec>;

// Reporter logs

export const logLevelNameSchema = z.enum(["trace", "debug", "info", "warn", "error", "fatal"]);
export type LogLevelName = z.infer<typeof logLevelNameSchema>;

/** Arguments of `logs.query`: newest first, optionally before a time, filtered by component, minimum level and text. */
export const logQuerySchema = z.strictObject({
  component: z.string().regex(/^[a-z0-9-]{1,64}$/, "a component name such as edge-link or sync").optional(),
  level: logLevelNameSchema.optional(),
  /** Case-insensitive text the message or any field must contain. */
  search: z.string().min(1).max(200).optional(),
  /** Only lines before this time, to page back from the oldest line shown. */
  before: utcTimestampSchema.optional(),
  limit: z.number().int().min(1).max(500).default(200),
});
export type LogQuery = z.infer<typeof logQuerySchema>;

/** One reporter log line; `fields` contains the remaining structured fields as JSON text. */
export const logEntrySchema = z.object({
  time: utcTimestampSchema,
  level: logLevelNameSchema,
  component: z.string().nullable(),
  msg: z.string().max(2000),
  fields: z.string().max(4000),
});
export type LogEntry = z.infer<typeof logEntrySchema>;

export const logPageSchema = z.object({
  entries: z.array(logEntrySchema),
  /** Components seen in the files read, for the filter list. */
  components: z.array(z.string()),
  /** True when more lines match before the oldest one returned. */
  more: z.boolean(),
});
export type LogPage = z.infer<typeof logPageSchema>;

export const logsCommands = {
  "logs.query": { args: logQuerySchema, result: logPageSchema, scope: "read" },
} as const satisfies Record<string, CommandSpec>;
