import { mount } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";

import { estimateTextWidth } from "../chartTimeAxis";
import HistoryChart from "./HistoryChart.vue";

import type uPlot from "uplot";

// happy-dom has no 2D canvas, so the mock only records the options uPlot would draw with.
const built: uPlot.Options[] = [];

vi.mock("uplot", () => ({
  default: class {
    constructor(options: uPlot.Options) {
      built.push(options);
    }
    destroy(): void {}
    setData(): void {}
    setSize(): void {}
  },
}));

afterEach(() => {
  built.length = 0;
  document.body.innerHTML = "";
});

function mountChart(timeLabel: string) {
  const data: uPlot.AlignedData = [[1_764_900_000, 1_764_900_060], [10, 20], [30, 40]];
  return mount(HistoryChart, { props: { data, seriesLabels: ["GPU", "VRAM"], span: [1_764_900_000, 1_764_903_600], dates: false, dark: false, timeLabel }, attachTo: document.body });
}

describe("HistoryChart", () => {
  it("labels the time series in the given language", () => {
    const wrapper = mountChart("时间");

    expect(built.at(-1)?.series[0]?.label).toBe("时间");
    wrapper.unmount();
  });

  it("formats legend times without am or pm", () => {
    const wrapper = mountChart("时间");
    const format = built.at(-1)?.series[0]?.value;

    expect(typeof format).toBe("function");
    const text = typeof format === "function" ? String(format({} as uPlot, 1_764_900_000, 0, 0)) : "";
    expect(text).not.toMatch(/[ap]m/i);
    expect(text).toMatch(/\d{2}:\d{2}/);
    wrapper.unmount();
  });

  it("rebuilds when the time label changes", async () => {
    const wrapper = mountChart("Time");

    await wrapper.setProps({ timeLabel: "时间" });

    expect(built.map((options) => options.series[0]?.label)).toEqual(["Time", "时间"]);
    wrapper.unmount();
  });

  it("pads the right edge for a whole label", () => {
    const wrapper = mountChart("Time");
    const right = built.at(-1)?.padding?.[1];

    expect(typeof right).toBe("number");
    expect(Number(right)).toBeGreaterThanOrEqual(estimateTextWidth("10:58:58 PM") / 2);
    wrapper.unmount();
  });
});
