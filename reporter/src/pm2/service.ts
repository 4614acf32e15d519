/** Mapping PM2's process descriptions to the protocol's `Service`. */
import type { Service } from "@comfycarry/shared";
import { serviceStatusSchema, toUtcTimestamp } from "@comfycarry/shared";
import { z } from "zod";

/**
 * The fields of a PM2 process description that the reporter reads. Other fields (the whole
 * environment among them) are dropped. Each is optional, as in PM2's own type declarations.
 */
export const pm2ProcessSchema = z.object({
  name: z.string().optional(),
  pid: z.number().optional(),
  pm_id: z.number().optional(),
  monit: z.object({ memory: z.number().optional(), cpu: z.number().optional() }).optional(),
  pm2_env: z.object({ status: z.string().optional(), pm_uptime: z.number().optional(), restart_time: z.number().optional() }).optional(),
});
export type Pm2ProcessDescription = z.infer<typeof pm2ProcessSchema>;

/**
 * Converts one PM2 process to a `Service`, or returns null for an entry without a name or
 * id. `started_at` and `uptime_s` are set only while the process is online, because PM2
 * keeps `pm_uptime` from the last start after the process stops.
 */
export function toService(process: Pm2ProcessDescription, now: Date): Service | null {
  if (process.name === undefined || process.pm_id === undefined) {
    return null;
  }

  const env = process.pm2_env ?? {};
  const status = serviceStatusSchema.safeParse(env.status);
  const online = status.success && status.data === "online";
  const startedMs = online && typeof env.pm_uptime === "number" && env.pm_uptime > 0 ? env.pm_uptime : null;

  return {
    name: process.name,
    pm_id: process.pm_id,
    status: status.success ? status.data : "unknown",
    // PM2 reports pid 0 for a process that is not running.
    pid: typeof process.pid === "number" && process.pid > 0 ? process.pid : null,
    started_at: startedMs === null ? null : toUtcTimestamp(new Date(startedMs)),
    uptime_s: startedMs === null ? null : Math.max(0, (now.getTime() - startedMs) / 1000),
    restarts: Math.max(0, env.restart_time ?? 0),
    cpu_percent: Math.max(0, process.monit?.cpu ?? 0),
    memory_bytes: Math.max(0, process.monit?.memory ?? 0),
  };
}
