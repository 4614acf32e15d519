/**
 * @module The fleet status in the Prometheus text exposition format (version 0.0.4): one
 * gauge or counter family per figure, one series per instance, labelled with `instance_id`
 * and `name`. A figure the instance has not reported is NaN, so every instance has one
 * series in every family. Price and spend carry a `currency` label and exist only for
 * instances with a price.
 */
import type { FleetInstanceStatus } from "@comfycarry/shared";

/** Content type Prometheus scrapers expect for the text format. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

type Family = {
  name: string;
  type: "gauge" | "counter";
  help: string;
  value: (status: FleetInstanceStatus) => number | null;
  /** Leaves an instance out of the family when this returns false. */
  present?: (status: FleetInstanceStatus) => boolean;
  labels?: (status: FleetInstanceStatus) => Record<string, string>;
};

function flag(value: boolean | null): number | null {
  if (value === null) {
    return null;
  }
  return value ? 1 : 0;
}

const priced = (status: FleetInstanceStatus): boolean => status.price !== null;
const currency = (status: FleetInstanceStatus): Record<string, string> => ({ currency: status.price?.currency ?? "" });

const FAMILIES: Family[] = [
  { name: "comfycarry_instance_up", type: "gauge", help: "1 while the instance's reporter is connected.", value: (s) => flag(s.online) },
  { name: "comfycarry_instance_gone", type: "gauge", help: "1 when the instance has been offline for days.", value: (s) => flag(s.gone) },
  { name: "comfycarry_instance_uptime_seconds_total", type: "counter", help: "Seconds a reporter was connected since enrollment.", value: (s) => s.uptime_s },
  { name: "comfycarry_instance_idle", type: "gauge", help: "1 while the ComfyUI queue is empty and no download or sync job runs.", value: (s) => flag(s.idle) },
  { name: "comfycarry_instance_idle_seconds_total", type: "counter", help: "Seconds spent idle while connected since enrollment.", value: (s) => s.idle_s },
  {
    name: "comfycarry_instance_last_seen_timestamp_seconds",
    type: "gauge",
    help: "Unix time of the reporter's last frame.",
    value: (s) => (s.last_seen_at === null ? null : Date.parse(s.last_seen_at) / 1000),
  },
  { name: "comfycarry_instance_queue_running", type: "gauge", help: "Prompts ComfyUI is running.", value: (s) => s.queue_running },
  { name: "comfycarry_instance_queue_pending", type: "gauge", help: "Prompts waiting in ComfyUI's queue.", value: (s) => s.queue_pending },
  { name: "comfycarry_instance_gpu_utilization_percent", type: "gauge", help: "GPU utilization averaged over the instance's GPUs.", value: (s) => s.gpu_util_percent },
  { name: "comfycarry_instance_vram_used_percent", type: "gauge", help: "Used VRAM of the fullest GPU.", value: (s) => s.vram_percent },
  { name: "comfycarry_instance_gpu_temperature_celsius", type: "gauge", help: "Temperature of the hottest GPU.", value: (s) => s.gpu_temp_c },
  { name: "comfycarry_instance_disk_used_percent", type: "gauge", help: "Used share of the workspace disk.", value: (s) => s.disk_percent },
  { name: "comfycarry_instance_sync_safe", type: "gauge", help: "1 when every push rule's files are on the remote.", value: (s) => flag(s.sync_safe) },
  { name: "comfycarry_instance_hourly_price", type: "gauge", help: "Price per hour in the label's currency.", value: (s) => s.price?.hourly_price ?? null, present: priced, labels: currency },
  { name: "comfycarry_instance_spend_total", type: "counter", help: "Spend since the price was set, in the label's currency.", value: (s) => s.spend, present: priced, labels: currency },
];

/** Escapes a label value as the text format requires: backslash, double quote and newline. */
function escapeLabel(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

function formatValue(value: number | null): string {
  if (value === null || Number.isNaN(value)) {
    return "NaN";
  }
  if (Number.isFinite(value)) {
    return String(value);
  }
  return value > 0 ? "+Inf" : "-Inf";
}

/** Renders `instances` as Prometheus text, one family after another. */
export function renderPrometheus(instances: FleetInstanceStatus[]): string {
  const lines: string[] = [];
  for (const family of FAMILIES) {
    lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
    for (const status of instances) {
      if (family.present !== undefined && !family.present(status)) {
        continue;
      }
      const labels = { instance_id: status.instance_id, name: status.name, ...family.labels?.(status) };
      const text = Object.entries(labels)
        .map(([key, value]) => `${key}="${escapeLabel(value)}"`)
        .join(",");
      lines.push(`${family.name}{${text}} ${formatValue(family.value(status))}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
