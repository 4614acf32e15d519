/**
 * @module Turns an overview snapshot into one history point: the figures the charts draw,
 * and whether the instance had work. Figures the snapshot lacks stay null.
 */
import type { HistorySample, Overview } from "@comfycarry/shared";

function percentOf(used: number | null, total: number | null): number | null {
  if (used === null || total === null || total <= 0) {
    return null;
  }
  return Math.min(100, Math.max(0, (used / total) * 100));
}

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}

function highest(values: number[]): number | null {
  return values.length === 0 ? null : Math.max(...values);
}

function present(values: (number | null)[]): number[] {
  return values.filter((value): value is number => value !== null);
}

/**
 * Returns whether the instance has nothing to do: ComfyUI's queue is empty, no download is
 * active or queued, and no sync job runs. A section that is not available counts as idle.
 */
export function isIdle(overview: Overview): boolean {
  const comfyBusy = overview.comfyui.queue_running + overview.comfyui.queue_pending > 0;
  const downloads = overview.downloads;
  const downloading = downloads.available && downloads.active_count + downloads.queue_count > 0;
  const syncing = overview.sync.available && overview.sync.last_status === "running";
  return !comfyBusy && !downloading && !syncing;
}

/** Builds the history point of one snapshot received at `t` (epoch ms on the edge's clock). */
export function sampleOf(overview: Overview, t: number): HistorySample {
  const { gpus, cpu, memory, disk } = overview.system;
  return {
    t,
    gpu_util_percent: mean(present(gpus.map((gpu) => gpu.utilization_percent))),
    vram_percent: highest(present(gpus.map((gpu) => percentOf(gpu.memory_used_bytes, gpu.memory_total_bytes)))),
    gpu_temp_c: highest(present(gpus.map((gpu) => gpu.temperature_c))),
    cpu_percent: cpu.usage_percent,
    memory_percent: percentOf(memory.used_bytes, memory.total_bytes),
    // Used + free, as df computes Use%: root-reserved blocks are in the total but not writable.
    disk_percent: percentOf(disk.used_bytes, disk.used_bytes + disk.free_bytes),
    busy: isIdle(overview) ? 0 : 1,
    count: 1,
  };
}
