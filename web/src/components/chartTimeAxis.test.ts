import { describe, expect, it } from "vitest";

import { chooseStep, estimateTextWidth, tickFormat, timeAxis, timeAxisRightPadding, TIME_STEPS_S, widestLabel } from "./chartTimeAxis";

import type uPlot from "uplot";

/**
 * Plot width of the narrowest chart: the chart grid's 260 px minimum column less uPlot's
 * 40 px y axis. Phones (390 px) show one chart per row, wider than that.
 */
const NARROWEST_PLOT_PX = 220;
const WIDEST_PLOT_PX = 1400;

const START = new Date(2026, 11, 5, 9, 59, 47).getTime() / 1000;

/** Spans the overview trends cover (since the page opened), and the history ranges (1 h, 48 h, 30 d). */
const TREND_SPANS_S = [20, 45, 120, 600, 3600, 4 * 3600];
const HISTORY_SPANS_S: [number, boolean][] = [
  [3600, false],
  [48 * 3600, true],
  [30 * 86_400, true],
];

interface Overlap {
  width: number;
  span: number;
  left: string;
  right: string;
}

/** Lays out the ticks of the chosen step the way uPlot does and returns every pair of neighbouring labels that overlap. */
function overlaps(locale: string, spanS: number, dates: boolean, plotWidthPx: number): Overlap[] {
  const measure = (text: string): number => estimateTextWidth(text);
  const stepS = chooseStep(spanS, plotWidthPx, (step) => widestLabel(locale, step, dates, measure));
  const format = tickFormat(locale, stepS, dates);
  const ticks: { x: number; label: string }[] = [];
  for (let seconds = Math.ceil(START / stepS) * stepS; seconds <= START + spanS; seconds += stepS) {
    ticks.push({ x: ((seconds - START) / spanS) * plotWidthPx, label: format.format(new Date(seconds * 1000)) });
  }

  const found: Overlap[] = [];
  for (let index = 1; index < ticks.length; index += 1) {
    const left = ticks[index - 1];
    const right = ticks[index];
    if (left !== undefined && right !== undefined && right.x - left.x < (measure(left.label) + measure(right.label)) / 2) {
      found.push({ width: plotWidthPx, span: spanS, left: left.label, right: right.label });
    }
  }
  return found;
}

function widths(): number[] {
  const list: number[] = [];
  for (let width = NARROWEST_PLOT_PX; width <= WIDEST_PLOT_PX; width += 20) {
    list.push(width);
  }
  return list;
}

describe("time axis ticks", () => {
  for (const locale of ["en", "zh-CN"]) {
    it(`keep ${locale} trend labels apart`, () => {
      const found = TREND_SPANS_S.flatMap((span) => widths().flatMap((width) => overlaps(locale, span, false, width)));

      expect(found).toEqual([]);
    });

    it(`keep ${locale} history labels apart`, () => {
      const found = HISTORY_SPANS_S.flatMap(([span, dates]) => widths().flatMap((width) => overlaps(locale, span, dates, width)));

      expect(found).toEqual([]);
    });
  }

  it("keep English labels apart at the narrowest chart", () => {
    const found = TREND_SPANS_S.flatMap((span) => overlaps("en", span, false, NARROWEST_PLOT_PX));

    expect(found).toEqual([]);
  });

  it("space English seconds ticks over 50 px", () => {
    const stepS = chooseStep(60, NARROWEST_PLOT_PX, (step) => widestLabel("en", step, false, (text) => estimateTextWidth(text)));

    expect((stepS / 60) * NARROWEST_PLOT_PX).toBeGreaterThan(50);
  });
});

describe("tick labels", () => {
  const afternoon = new Date(2026, 11, 5, 15, 5, 30);

  it("use AM/PM in English", () => {
    expect(tickFormat("en", 60, false).format(afternoon)).toMatch(/^3:05\sPM$/);
  });

  it("use the 24-hour clock in Chinese", () => {
    expect(tickFormat("zh-CN", 60, false).format(afternoon)).toBe("15:05");
  });

  it("show seconds below a one-minute step", () => {
    expect(tickFormat("zh-CN", 30, false).format(afternoon)).toBe("15:05:30");
  });

  it("show the date on multi-day spans", () => {
    expect(tickFormat("en", 3600, true).format(afternoon)).toMatch(/^Dec 5, 3\sPM$/);
  });

  it("show only the date from a one-day step", () => {
    expect(tickFormat("en", 86_400, true).format(afternoon)).toBe("Dec 5");
  });
});

describe("timeAxis for uPlot", () => {
  // uPlot takes the smallest step in `incrs` that is at least `space` pixels wide.
  function uplotStep(axis: ReturnType<typeof timeAxis>, spanS: number, plotWidthPx: number): number | undefined {
    const space = typeof axis.space === "function" ? axis.space({} as uPlot, 0, START, START + spanS, plotWidthPx) : axis.space;
    return TIME_STEPS_S.find((stepS) => (stepS / spanS) * plotWidthPx >= (space ?? 0));
  }

  it("makes uPlot take the chosen step", () => {
    const measure = (text: string): number => estimateTextWidth(text);
    const axis = timeAxis("en", false, measure);
    const mismatches = [45, 600, 3600].flatMap((span) =>
      widths()
        .filter((width) => uplotStep(axis, span, width) !== chooseStep(span, width, (step) => widestLabel("en", step, false, measure)))
        .map((width) => ({ span, width })),
    );

    expect(mismatches).toEqual([]);
  });

  it("formats the labels for uPlot's step", () => {
    const axis = timeAxis("en", false, (text) => estimateTextWidth(text));
    const labels = typeof axis.values === "function" ? axis.values({} as uPlot, [START + 13], 0, 100, 60) : [];

    expect(labels).toEqual(["10:00 AM"]);
  });
});

describe("timeAxisRightPadding", () => {
  const measure = (text: string): number => estimateTextWidth(text);

  // uPlot centres each label on its tick, so a tick on the plot's right edge needs half a label of padding.
  for (const locale of ["en", "zh-CN"]) {
    for (const dates of [false, true]) {
      it(`fits ${locale} labels at the right edge${dates ? " with dates" : ""}`, () => {
        const padding = timeAxisRightPadding(locale, dates, measure);
        const clipped = TIME_STEPS_S.filter((stepS) => widestLabel(locale, stepS, dates, measure) / 2 > padding);

        expect(clipped).toEqual([]);
      });
    }
  }

  it("exceeds uPlot's 25 px default for English seconds", () => {
    expect(timeAxisRightPadding("en", false, measure)).toBeGreaterThan(25);
  });
});
