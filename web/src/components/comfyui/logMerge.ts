import type { ComfyuiLogLine } from "@comfycarry/shared";

// Log events carry text without line numbers, so the page numbers them itself, one past the
// newest line it has. That guess goes wrong when events are lost (a socket reconnect, a lapsed
// follow lease) or repeat lines a tail already returned. A numbered tail from the reporter is
// the truth: merging it replaces every guessed line it covers and keeps the rest in order.

/** What the page shows: lines numbered as the reporter numbers them, then guessed ones. */
export interface LogView {
  lines: ComfyuiLogLine[];
  /** One past the last line the reporter confirmed; lines from here on are guessed. */
  confirmedEnd: number;
}

/** A numbered stretch of the reporter's log ending with its newest line. */
export interface LogWindow {
  lines: ComfyuiLogLine[];
  /** One past the newest line when the reporter read the window. */
  total: number;
}

/** Returns the index of the first line numbered `n` or higher. */
export function indexFrom(lines: ComfyuiLogLine[], n: number): number {
  let low = 0;
  let high = lines.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((lines[middle]?.n ?? n) < n) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

/**
 * Returns how many of the first `late` lines repeat the window's last lines. Lines that reached
 * the page after the window was asked for start at most at the window's end; the longest match
 * wins, and a later check corrects a wrong pick among repeated lines.
 */
export function overlap(window: ComfyuiLogLine[], late: string[]): number {
  for (let count = Math.min(window.length, late.length); count > 0; count -= 1) {
    const start = window.length - count;
    let same = true;
    for (let index = 0; index < count && same; index += 1) {
      same = window[start + index]?.text === late[index];
    }
    if (same) {
      return count;
    }
  }
  return 0;
}

/** Whether the confirmed lines the window also covers read the same in both. */
function agrees(view: LogView, window: ComfyuiLogLine[]): boolean {
  const start = window[0]?.n ?? view.confirmedEnd;
  for (let index = indexFrom(view.lines, start); index < view.lines.length; index += 1) {
    const line = view.lines[index];
    if (line === undefined || line.n >= view.confirmedEnd) {
      break;
    }
    if (window[line.n - start]?.text !== line.text) {
      return false;
    }
  }
  return true;
}

/**
 * Merges a window into the view. `late` are the event lines that arrived after the window was
 * asked for; the guessed lines before them are dropped, since the window or the gap it was
 * joined with holds them. The result keeps at most `maxKept` lines, the newest.
 */
export function mergeWindow(view: LogView | null, window: LogWindow, late: string[], maxKept: number): LogView {
  const start = window.lines[0]?.n ?? window.total;

  // A window that does not join the confirmed lines, or contradicts them (the reporter's log
  // was replaced), starts the view afresh; scrolling up fetches what came before.
  const joins = view !== null && start <= view.confirmedEnd && window.total >= view.confirmedEnd && agrees(view, window.lines);
  const kept = joins ? view.lines.slice(0, indexFrom(view.lines, start)) : [];

  const repeated = overlap(window.lines, late);
  const fresh = late.slice(repeated).map((text, index) => ({ n: window.total + index, text }));
  const lines = kept.concat(window.lines, fresh);
  return { lines: lines.length > maxKept ? lines.slice(lines.length - maxKept) : lines, confirmedEnd: window.total };
}
