import type { HistoryResponse, HistorySample } from "@comfycarry/shared";

/** Figures the history charts draw, each a key of a history point. */
export const HISTORY_FIGURES = ["gpu_util_percent", "vram_percent", "gpu_temp_c", "disk_percent", "cpu_percent", "memory_percent"] as const;
export type HistoryFigure = (typeof HISTORY_FIGURES)[number];

/** A gap longer than this many points' spacing is drawn as a break, e.g. while the instance was offline. */
const GAP_POINTS = 3;

/**
 * Builds uPlot's aligned data (x in seconds, then one series per figure) from a history
 * response. A null point is inserted into each gap, so the line breaks instead of
 * bridging hours the instance was offline.
 */
export function toChartData(history: HistoryResponse, figures: readonly HistoryFigure[]): [number[], ...(number | null)[][]] {
  const times: number[] = [];
  const series: (number | null)[][] = figures.map(() => []);
  const gapMs = history.resolution_ms * GAP_POINTS;
  let previous: HistorySample | null = null;

  for (const sample of history.samples) {
    if (previous !== null && sample.t - previous.t > gapMs) {
      times.push((previous.t + history.resolution_ms) / 1000);
      for (const values of series) {
        values.push(null);
      }
    }
    times.push(sample.t / 1000);
    for (const [index, figure] of figures.entries()) {
      series[index]?.push(sample[figure]);
    }
    previous = sample;
  }
  return [times, ...series];
}

/** Returns the x range of the chart: the whole requested span, so a short history is not stretched. */
export function chartRange(history: HistoryResponse): [number, number] {
  return [history.from / 1000, history.to / 1000];
}
