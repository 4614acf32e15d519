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
  /** Why the state is not `ok`, in English for logs; null when it is `ok`. */
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
