import { describe, expect, it } from "vitest";

import { exampleOverview } from "../test/fixtures";
import { applyOverview, emptyLiveState } from "./liveState";

import type { InstanceOverview } from "@comfycarry/shared";

const START = Date.parse("2026-12-05T11:49:50Z");

function overviewAt(offsetS: number, failing: boolean): InstanceOverview {
  const overview = exampleOverview();
  const snapshot = overview.snapshot;
  if (snapshot === null) {
    throw new Error("the example overview has no snapshot");
  }
  snapshot.captured_at = new Date(START + offsetS * 1000).toISOString();
  snapshot.system.gpu_error = failing ? { code: "nvml_failed", message: "Failed to initialize NVML: Unknown Error", since: new Date(START).toISOString() } : null;
  return overview;
}

describe("trend samples", () => {
  it("carry GPU values while sampling works", () => {
    const state = emptyLiveState();
    applyOverview(state, overviewAt(0, false), Date.now());

    expect(state.trend[0]?.gpus[0]?.utilization).not.toBeNull();
  });

  it("leave a gap during a GPU error", () => {
    const state = emptyLiveState();
    applyOverview(state, overviewAt(0, false), Date.now());
    applyOverview(state, overviewAt(2, true), Date.now());
    applyOverview(state, overviewAt(4, true), Date.now());

    const failing = state.trend.slice(1);
    expect(failing).toHaveLength(2);
    expect(failing.flatMap((sample) => sample.gpus.map((gpu) => gpu.utilization))).toEqual([null, null]);
    expect(failing.flatMap((sample) => sample.gpus.map((gpu) => gpu.vram))).toEqual([null, null]);
    expect(failing.flatMap((sample) => sample.gpus.map((gpu) => gpu.temperature))).toEqual([null, null]);
  });
});
