import { mount } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";

import { estimateTextWidth } from "../chartTimeAxis";
import TrendChart from "./TrendChart.vue";

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

describe("TrendChart", () => {
  it("pads the right edge for a whole label", () => {
    const data: uPlot.AlignedData = [[1_764_900_000, 1_764_900_002], [10, 20]];
    const wrapper = mount(TrendChart, { props: { data, seriesLabels: ["GPU 0"], timeLabel: "Time", dark: false, locale: "en" }, attachTo: document.body });
    const right = built.at(-1)?.padding?.[1];

    expect(typeof right).toBe("number");
    expect(Number(right)).toBeGreaterThanOrEqual(estimateTextWidth("10:58:58 PM") / 2);
    wrapper.unmount();
  });
});
