import { describe, expect, it } from "vitest";

import { openDashboard, useStackAndBrowser } from "./support";

import type { Page } from "playwright-core";

// The x-axis labels of the overview's trend charts must not overlap in English, whose
// "10:58:58 PM" is the longest label, nor be cut off at the canvas edge, at the phone width
// and at desktop widths. uPlot draws the labels on a canvas, so the page records what it
// draws: each fillText with its position, alignment and measured width, reset whenever uPlot
// clears the whole canvas to redraw.

const e2e = useStackAndBrowser("chart-ticks", (stateDir) => ({ stateDir, preset: "rtx4090x2", stepMs: 150 }));

/** Page widths from a phone to a wide desktop window, in steps small enough to catch a label a few pixels too wide. */
const WIDTHS = Array.from({ length: 102 }, (_, index) => 390 + index * 10);

/**
 * How long the trends collect before the check. About 35 s of samples put uPlot's 5 s step near
 * its 50 px minimum spacing at these widths, where the earlier 54 px "11:26:25" labels overlapped.
 */
const COLLECT_MS = 35_000;

interface DrawnText {
  text: string;
  x: number;
  y: number;
  align: string;
  width: number;
  /** Width of the canvas the label is drawn on, in the same device pixels as `x` and `width`. */
  canvasWidth: number;
}

function recordCanvasText(): void {
  type Recorded = HTMLCanvasElement & { drawnText?: DrawnText[] };
  const prototype = CanvasRenderingContext2D.prototype;
  const fillText = prototype.fillText;
  const clearRect = prototype.clearRect;
  prototype.clearRect = function (this: CanvasRenderingContext2D, x: number, y: number, width: number, height: number) {
    if (x <= 0 && y <= 0 && width >= this.canvas.width && height >= this.canvas.height) {
      (this.canvas as Recorded).drawnText = [];
    }
    clearRect.call(this, x, y, width, height);
  };
  prototype.fillText = function (this: CanvasRenderingContext2D, text: string, x: number, y: number, maxWidth?: number) {
    const canvas = this.canvas as Recorded;
    canvas.drawnText ??= [];
    // The transform contains uPlot's offsets, and labels along one axis share their y.
    const point = this.getTransform().transformPoint(new DOMPoint(x, y));
    canvas.drawnText.push({ text, x: point.x, y: point.y, align: this.textAlign, width: this.measureText(text).width, canvasWidth: this.canvas.width });
    if (maxWidth === undefined) {
      fillText.call(this, text, x, y);
    } else {
      fillText.call(this, text, x, y, maxWidth);
    }
  };
}

/** Returns the centred labels of each trend chart's canvas, grouped by the y they are drawn at. */
async function axisLabels(page: Page): Promise<DrawnText[][]> {
  return page.evaluate(() => {
    const rows: DrawnText[][] = [];
    for (const canvas of document.querySelectorAll<HTMLCanvasElement & { drawnText?: DrawnText[] }>("[data-testid=trends] canvas")) {
      const byY = new Map<number, DrawnText[]>();
      for (const drawn of canvas.drawnText ?? []) {
        if (drawn.align === "center") {
          byY.set(Math.round(drawn.y), [...(byY.get(Math.round(drawn.y)) ?? []), drawn]);
        }
      }
      rows.push(...byY.values());
    }
    return rows;
  });
}

/** Returns the pairs of labels in one row whose boxes intersect. */
function intersecting(row: DrawnText[]): string[] {
  const sorted = [...row].sort((left, right) => left.x - right.x);
  const found: string[] = [];
  for (let index = 1; index < sorted.length; index += 1) {
    const left = sorted[index - 1];
    const right = sorted[index];
    if (left !== undefined && right !== undefined && left.x + left.width / 2 > right.x - right.width / 2) {
      found.push(`"${left.text}" and "${right.text}"`);
    }
  }
  return found;
}

/**
 * Returns the labels in one row that reach past either edge of their canvas, with half a pixel for rounding.
 * NOTE: a label is at risk only while the newest tick sits within half a label of the right edge,
 * which this run reaches by chance. timeAxisRightPadding's unit tests cover every step.
 */
function clipped(row: DrawnText[]): string[] {
  return row.filter((drawn) => drawn.x - drawn.width / 2 < -0.5 || drawn.x + drawn.width / 2 > drawn.canvasWidth + 0.5).map((drawn) => `"${drawn.text}"`);
}

describe("trend chart x axis in English", () => {
  it("keeps tick labels apart and whole from 390 to 1400 px", async () => {
    const page = await openDashboard(e2e.browser, e2e.stack, { locale: "en", width: 390 });
    await page.context().addInitScript(recordCanvasText);
    await page.reload();
    await page.waitForSelector("[data-testid=trends] canvas", { timeout: 30_000 });
    await page.waitForTimeout(COLLECT_MS);

    let labelsSeen = 0;
    const found: string[] = [];
    const cut: string[] = [];
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      // The charts resize on a ResizeObserver callback and redraw on the next frame.
      await page.evaluate(() => new Promise((resolveFrame) => requestAnimationFrame(() => requestAnimationFrame(resolveFrame))));
      const rows = await axisLabels(page);
      labelsSeen += rows.flat().length;
      found.push(...rows.flatMap(intersecting).map((pair) => `${String(width)} px: ${pair}`));
      cut.push(...rows.flatMap(clipped).map((label) => `${String(width)} px: ${label}`));
    }
    await page.context().close();

    expect(labelsSeen).toBeGreaterThan(0);
    expect(found).toEqual([]);
    expect(cut).toEqual([]);
  });
});
