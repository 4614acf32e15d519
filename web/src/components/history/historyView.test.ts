import { describe, expect, it } from "vitest";

import { chartRange, toChartData } from "./historyView";

import type { HistoryResponse, HistorySample } from "@comfycarry/shared";

function point(t: number, util: number | null): HistorySample {
  return { t, gpu_util_percent: util, vram_percent: 10, gpu_temp_c: 50, cpu_percent: 1, memory_percent: 2, disk_percent: 3, busy: 0, count: 1 };
}

function history(samples: HistorySample[]): HistoryResponse {
  return { instance_id: "gpu-1", range: "48h", resolution_ms: 60_000, from: 0, to: 48 * 3_600_000, samples };
}

describe("toChartData", () => {
  it("converts times to seconds", () => {
    const [times, util] = toChartData(history([point(60_000, 5), point(120_000, 6)]), ["gpu_util_percent"]);

    expect(times).toEqual([60, 120]);
    expect(util).toEqual([5, 6]);
  });

  it("breaks the line across an offline gap", () => {
    const [times, util] = toChartData(history([point(0, 5), point(3_600_000, 6)]), ["gpu_util_percent"]);

    expect(times).toEqual([0, 60, 3_600]);
    expect(util).toEqual([5, null, 6]);
  });
});

describe("chartRange", () => {
  it("spans the whole requested range", () => {
    expect(chartRange(history([]))).toEqual([0, 172_800]);
  });
});
