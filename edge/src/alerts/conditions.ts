/**
 * @module The alert conditions that hold right now, judged from the stored snapshot, the link
 * state and what the event trackers counted. Pure: the engine turns conditions into raised and
 * cleared alerts once each has held for its hold time.
 */
import {
  COMFYUI_DOWN_AFTER_MS,
  GPU_HOT_C,
  OFFLINE_ALERT_AFTER_MS,
  USAGE_CRITICAL_PERCENT,
  USAGE_WARNING_PERCENT,
} from "@comfycarry/shared";
import type { AlertParams, AlertRule, AlertSettings, AlertSeverity, Overview } from "@comfycarry/shared";

/** A condition that is true now. It becomes an alert once it has been true for `holdMs`. */
export type Condition = {
  key: string;
  rule: AlertRule;
  severity: AlertSeverity;
  params: AlertParams;
  holdMs: number;
  /** Epoch ms the condition started, when the facts record it (offline since, idle since). Otherwise the engine's first sighting counts. */
  since: number | null;
};

/** Facts the event trackers recorded beyond the snapshot. */
export type TrackedFacts = {
  /** Epoch ms the link was judged lost, or null while a reporter is connected. */
  offlineSince: number | null;
  crashLoops: Array<{ service: string; restarts: number; errored: boolean }>;
  failingSyncRules: Array<{ ruleId: string; ruleName: string; failures: number; code: string | null }>;
  failedDownloads: Array<{ jobId: string; fileName: string; code: string | null }>;
  /** Epoch ms since which nothing has run, or null while something runs. */
  idleSince: number | null;
};

function usageSeverity(percent: number): AlertSeverity | null {
  if (percent > USAGE_CRITICAL_PERCENT) {
    return "critical";
  }
  return percent > USAGE_WARNING_PERCENT ? "warning" : null;
}

function roundPercent(used: number, total: number): number {
  return Math.round((used / total) * 1000) / 10;
}

function snapshotConditions(snapshot: Overview): Condition[] {
  const conditions: Condition[] = [];
  const now = { holdMs: 0, since: null };

  const { disk, gpus, gpu_error: gpuError } = snapshot.system;
  if (disk.total_bytes > 0) {
    const percent = roundPercent(disk.used_bytes, disk.total_bytes);
    const severity = usageSeverity(percent);
    if (severity !== null) {
      conditions.push({ key: "disk_usage", rule: "disk_usage", severity, params: { percent, path: disk.path, free_bytes: disk.free_bytes }, ...now });
    }
  }

  for (const gpu of gpus) {
    if (gpu.memory_used_bytes !== null && gpu.memory_total_bytes !== null && gpu.memory_total_bytes > 0) {
      const percent = roundPercent(gpu.memory_used_bytes, gpu.memory_total_bytes);
      const severity = usageSeverity(percent);
      if (severity !== null) {
        conditions.push({ key: `vram_usage:${gpu.index}`, rule: "vram_usage", severity, params: { gpu: gpu.index, name: gpu.name, percent }, ...now });
      }
    }
    if (gpu.temperature_c !== null && gpu.temperature_c > GPU_HOT_C) {
      conditions.push({ key: `gpu_temperature:${gpu.index}`, rule: "gpu_temperature", severity: "warning", params: { gpu: gpu.index, name: gpu.name, temperature_c: gpu.temperature_c }, ...now });
    }
  }

  if (gpuError?.code === "nvml_failed") {
    conditions.push({ key: "gpu_lost", rule: "gpu_lost", severity: "critical", params: { message: gpuError.message.slice(0, 300) }, holdMs: 0, since: Date.parse(gpuError.since) });
  }

  const comfyui = snapshot.comfyui;
  if (comfyui.state === "offline" || comfyui.state === "crashed") {
    conditions.push({ key: "comfyui_down", rule: "comfyui_down", severity: "critical", params: { state: comfyui.state }, holdMs: COMFYUI_DOWN_AFTER_MS, since: null });
  }
  return conditions;
}

function trackedConditions(facts: TrackedFacts, settings: AlertSettings, now: number): Condition[] {
  const conditions: Condition[] = [];

  if (facts.offlineSince !== null) {
    conditions.push({ key: "instance_offline", rule: "instance_offline", severity: "critical", params: {}, holdMs: OFFLINE_ALERT_AFTER_MS, since: facts.offlineSince });
  }
  for (const loop of facts.crashLoops) {
    conditions.push({ key: `crash_loop:${loop.service}`, rule: "crash_loop", severity: "critical", params: { service: loop.service, restarts: loop.restarts, errored: loop.errored }, holdMs: 0, since: null });
  }
  for (const rule of facts.failingSyncRules) {
    conditions.push({ key: `sync_failing:${rule.ruleId}`, rule: "sync_failing", severity: "warning", params: { rule_id: rule.ruleId, rule_name: rule.ruleName, failures: rule.failures, code: rule.code }, holdMs: 0, since: null });
  }
  for (const download of facts.failedDownloads) {
    conditions.push({ key: `download_failed:${download.jobId}`, rule: "download_failed", severity: "warning", params: { job_id: download.jobId, file_name: download.fileName, code: download.code }, holdMs: 0, since: null });
  }

  if (settings.idle_alert_minutes !== null && facts.idleSince !== null && facts.offlineSince === null) {
    const idleMinutes = Math.floor((now - facts.idleSince) / 60_000);
    const spent = settings.hourly_price === null ? null : Math.round(((now - facts.idleSince) / 3_600_000) * settings.hourly_price * 100) / 100;
    conditions.push({
      key: "gpu_idle",
      rule: "gpu_idle",
      severity: "warning",
      params: { idle_minutes: idleMinutes, spent, currency: settings.currency },
      holdMs: settings.idle_alert_minutes * 60_000,
      since: facts.idleSince,
    });
  }
  return conditions;
}

/** Returns every condition true at `now`; a null snapshot contributes none. */
export function currentConditions(snapshot: Overview | null, facts: TrackedFacts, settings: AlertSettings, now: number): Condition[] {
  const fromSnapshot = snapshot === null ? [] : snapshotConditions(snapshot);
  return [...fromSnapshot, ...trackedConditions(facts, settings, now)];
}

/**
 * Returns whether the snapshot shows nothing running: an empty ComfyUI queue, no active or
 * queued download and no running sync job. Sections that are not available count as idle.
 */
export function isIdle(snapshot: Overview): boolean {
  const comfyui = snapshot.comfyui;
  const downloads = snapshot.downloads;
  const sync = snapshot.sync;
  const comfyuiIdle = comfyui.queue_running === 0 && comfyui.queue_pending === 0;
  const downloadsIdle = !downloads.available || (downloads.active_count === 0 && downloads.queue_count === 0);
  const syncIdle = !sync.available || sync.last_status !== "running";
  return comfyuiIdle && downloadsIdle && syncIdle;
}
