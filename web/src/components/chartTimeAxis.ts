import type uPlot from "uplot";

// The x axis of the dashboard's time charts. uPlot's default keeps ticks at least 50 px apart
// whatever the label width, and English labels such as "11:05:30 AM" (76 px) or "11:05:30"
// (54 px) are wider, so labels overlapped. Here the step is the smallest that fits the widest label.

/** Font of uPlot's axis labels (its default), used to measure them. */
export const AXIS_FONT_PX = 12;
const AXIS_FONT = `${AXIS_FONT_PX}px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif`;

/** Empty space between two neighbouring labels, in CSS pixels. */
export const LABEL_GAP_PX = 12;

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/** Tick steps in seconds, at clock-friendly values. */
export const TIME_STEPS_S = [1, 2, 5, 10, 15, 30, MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY];

/** Times whose labels are about the widest of their format: two-digit hours, minutes and seconds, morning and afternoon, a long month. */
const WIDE_SAMPLES = [new Date(2026, 11, 28, 10, 58, 58), new Date(2026, 11, 28, 22, 58, 58), new Date(2026, 8, 28, 23, 58, 58)];

/**
 * Returns the tick label format for a step. Seconds show only below a one-minute step, and
 * dates from a one-day step or when `dates` is set. The locale's own clock applies (12-hour
 * with AM/PM in English, 24-hour in Chinese).
 */
export function tickFormat(locale: string | undefined, stepS: number, dates: boolean): Intl.DateTimeFormat {
  if (stepS >= DAY) {
    return new Intl.DateTimeFormat(locale, { month: "short", day: "numeric" });
  }
  if (dates) {
    return new Intl.DateTimeFormat(locale, { month: "short", day: "numeric", hour: "numeric", minute: stepS < HOUR ? "2-digit" : undefined });
  }
  return new Intl.DateTimeFormat(locale, { hour: "numeric", minute: "2-digit", second: stepS < MINUTE ? "2-digit" : undefined });
}

/**
 * Estimates the width of `text` in uPlot's axis font, in CSS pixels, erring wide: CJK
 * characters take a full em. The system Chromium measured "11:25:00 AM" at 76 px, estimated 83 px.
 */
export function estimateTextWidth(text: string, fontPx = AXIS_FONT_PX): number {
  let ems = 0;
  for (const char of text) {
    if (/[0-9]/.test(char)) {
      ems += 0.66;
    } else if (/[MW]/.test(char)) {
      ems += 0.95;
    } else if (/[A-Z]/.test(char)) {
      ems += 0.78;
    } else if (/[a-z]/.test(char)) {
      ems += 0.66;
    } else if (/[\s\u00a0\u202f]/.test(char)) {
      ems += 0.35;
    } else if (/[\u2e80-\u9fff\uff00-\uffef]/.test(char)) {
      ems += 1;
    } else {
      ems += 0.45;
    }
  }
  return ems * fontPx;
}

/** Returns a text measurer: the browser's canvas in uPlot's axis font, or the estimate where there is no canvas (unit tests). */
export function textMeasurer(): (text: string) => number {
  const context = typeof document === "undefined" ? null : document.createElement("canvas").getContext("2d");
  if (context === null) {
    return (text) => estimateTextWidth(text);
  }
  context.font = AXIS_FONT;
  return (text) => Math.ceil(context.measureText(text).width);
}

/** Returns the widest label that a step's format produces, in CSS pixels. */
export function widestLabel(locale: string | undefined, stepS: number, dates: boolean, measure: (text: string) => number): number {
  const format = tickFormat(locale, stepS, dates);
  return Math.max(...WIDE_SAMPLES.map((sample) => measure(format.format(sample))));
}

/**
 * Returns the smallest step whose ticks, `plotWidthPx` wide across `spanS` seconds, leave
 * room for the widest label plus the gap. Spans too short for any step get the largest.
 */
export function chooseStep(spanS: number, plotWidthPx: number, labelWidth: (stepS: number) => number): number {
  const fits = TIME_STEPS_S.find((stepS) => (stepS / spanS) * plotWidthPx >= labelWidth(stepS) + LABEL_GAP_PX);
  return fits ?? TIME_STEPS_S[TIME_STEPS_S.length - 1] ?? DAY;
}

/**
 * Returns the right padding of a time chart, in CSS pixels: half the widest label any step
 * can draw, plus a pixel. uPlot centres a label on its tick and clips the canvas at the
 * padding, so with its default of 25 px a tick near the right edge lost its end ("11:52 A").
 * One padding for all steps keeps the plot from shifting as the step changes.
 */
export function timeAxisRightPadding(locale: string | undefined, dates: boolean, measure: (text: string) => number = textMeasurer()): number {
  const widest = Math.max(...TIME_STEPS_S.map((stepS) => widestLabel(locale, stepS, dates, measure)));
  return Math.ceil(widest / 2) + 1;
}

/**
 * Returns the `space`, `incrs` and `values` of a uPlot time axis (x in seconds) whose labels
 * do not overlap. uPlot takes the smallest step in `incrs` that is at least `space` pixels
 * wide, so `space` returns the spacing of the chosen step, a hair less to absorb rounding.
 */
export function timeAxis(locale: string | undefined, dates: boolean, measure: (text: string) => number = textMeasurer()): Pick<uPlot.Axis, "space" | "incrs" | "values"> {
  const widths = new Map<number, number>();
  const labelWidth = (stepS: number): number => {
    const known = widths.get(stepS);
    if (known !== undefined) {
      return known;
    }
    const width = widestLabel(locale, stepS, dates, measure);
    widths.set(stepS, width);
    return width;
  };

  return {
    incrs: TIME_STEPS_S,
    space: (_chart, _axis, min, max, plotWidthPx) => {
      const spanS = Math.max(max - min, 1);
      return ((chooseStep(spanS, plotWidthPx, labelWidth) / spanS) * plotWidthPx) * (1 - 1e-9);
    },
    values: (_chart, splits, _axis, _space, stepS) => {
      const format = tickFormat(locale, stepS, dates);
      return splits.map((seconds) => format.format(new Date(seconds * 1000)));
    },
  };
}
