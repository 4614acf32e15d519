import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";

import { mountApp } from "../../test/mountApp";
import { fakeEdge } from "../settings/fakeEdge";
import HistoryCharts from "./HistoryCharts.vue";

import type { HistoryRange, HistoryResponse } from "@comfycarry/shared";

// happy-dom has no 2D canvas, so uPlot's drawing would throw after each test; these tests
// check which range loads, not the pixels.
vi.mock("uplot", () => ({
  default: class {
    destroy(): void {}
    setData(): void {}
    setSize(): void {}
  },
}));

const SPANS: Record<HistoryRange, number> = { "1h": 3_600_000, "48h": 172_800_000, "30d": 2_592_000_000 };
const RESOLUTIONS: Record<HistoryRange, number> = { "1h": 5_000, "48h": 60_000, "30d": 900_000 };
const NOW = Date.UTC(2026, 11, 4);

function history(range: HistoryRange, points: number): HistoryResponse {
  const resolution = RESOLUTIONS[range];
  const samples = Array.from({ length: points }, (_, index) => ({
    t: NOW - (points - index) * resolution,
    gpu_util_percent: 50,
    vram_percent: 40,
    gpu_temp_c: 60,
    cpu_percent: 10,
    memory_percent: 20,
    disk_percent: 30,
    busy: 1,
    count: 1,
  }));
  return { instance_id: "gpu-1", range, resolution_ms: resolution, from: NOW - SPANS[range], to: NOW, samples };
}

function reply(range: HistoryRange, points: number) {
  return { status: 200, body: history(range, points) };
}

async function mountCharts() {
  const edge = fakeEdge({
    "GET /api/instances/gpu-1/history?range=1h": reply("1h", 12),
    "GET /api/instances/gpu-1/history?range=48h": reply("48h", 30),
    "GET /api/instances/gpu-1/history?range=30d": reply("30d", 96),
  });
  const wrapper = mountApp(HistoryCharts, { props: { instanceId: "gpu-1" } });
  await vi.waitFor(async () => {
    await flushPromises();
    if (wrapper.find("[data-range]").attributes("data-range") === undefined) {
      throw new Error("the history charts have not loaded yet");
    }
  });
  return { wrapper, edge };
}

async function chooseRange(wrapper: Awaited<ReturnType<typeof mountCharts>>["wrapper"], range: HistoryRange): Promise<void> {
  const input = wrapper.find(`[data-testid=history-range] input[value="${range}"]`);
  await input.setValue(true);
  await vi.waitFor(async () => {
    await flushPromises();
    if (wrapper.find("[data-range]").attributes("data-range") !== range) {
      throw new Error(`the ${range} history has not loaded yet`);
    }
  });
}

describe("HistoryCharts", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("loads the last hour first", async () => {
    const { wrapper, edge } = await mountCharts();

    expect(edge.sent[0]?.path).toBe("/api/instances/gpu-1/history?range=1h");
    expect(wrapper.find("[data-range]").attributes("data-points")).toBe("12");
  });

  it("switches to the 48 h range", async () => {
    const { wrapper, edge } = await mountCharts();

    await chooseRange(wrapper, "48h");

    expect(edge.sent.at(-1)?.path).toBe("/api/instances/gpu-1/history?range=48h");
    expect(wrapper.find("[data-range]").attributes("data-points")).toBe("30");
  });

  it("switches to the 30 d range", async () => {
    const { wrapper } = await mountCharts();

    await chooseRange(wrapper, "30d");

    expect(wrapper.find("[data-range]").attributes("data-points")).toBe("96");
  });
});
