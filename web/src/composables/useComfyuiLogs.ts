import { edgeToBrowserMessageSchema, parseFrame } from "@comfycarry/shared";
import { onScopeDispose, shallowRef, toValue, triggerRef, watch } from "vue";

import { indexFrom, mergeWindow } from "../components/comfyui/logMerge";
import { useLiveStore } from "../stores/liveStore";
import { sendCommand } from "./instanceCommand";

import type { LogView, LogWindow } from "../components/comfyui/logMerge";
import type { CommandFailure } from "./instanceCommand";
import type { ComfyuiLogLine } from "@comfycarry/shared";
import type { MaybeRefOrGetter, Ref, ShallowRef } from "vue";

// ComfyUI's log as the page shows it: the last lines at once, then the reporter's `log`
// events (source "comfyui") appended while a follow lease runs, older lines on demand.
// Lines live in one plain array behind a shallow ref, so 10,000 lines cost no reactivity;
// events are batched into one update per animation frame.
//
// Events carry no line numbers, so the page numbers them itself and checks the guess with a
// numbered tail once a burst goes quiet, when the socket comes back and at each lease
// renewal. The check fetches any gap, so a reconnect or a lapsed lease loses no line.

/** Lines fetched at once and per scroll-up. */
export const LOG_PAGE_LINES = 500;

/** Seconds one follow lease lasts; it is renewed a minute before it ends. */
export const FOLLOW_S = 300;
const RENEW_MS = (FOLLOW_S - 60) * 1000;

/** Lines kept in the page; the oldest are dropped past this (scrolling up fetches them again). */
export const MAX_KEPT_LINES = 50_000;

/** Most lines one command returns (the protocol's limit). */
const MAX_FETCH_LINES = 5000;
/** A larger gap is not fetched: the view starts again at the tail and scrolling up reaches the rest. */
const MAX_GAP_LINES = 20_000;

/** Options for `useComfyuiLogs`. */
export interface UseComfyuiLogsOptions {
  /** Whether the socket is live; a return to live checks the view, since events were missed. */
  live?: MaybeRefOrGetter<boolean>;
  /** Schedules a batch flush; requestAnimationFrame in the page. */
  schedule?: (flush: () => void) => void;
  /** Quiet time after events before the view is checked, in ms. */
  quietMs?: number;
  /** Longest a guessed line waits for its check while events keep coming, in ms. */
  maxWaitMs?: number;
}

/** The return value of `useComfyuiLogs`. */
export interface UseComfyuiLogsReturn {
  lines: ShallowRef<ComfyuiLogLine[]>;
  /** Counts every change to `lines`; `prepended` is the number of lines the last change put in front. */
  version: Ref<number>;
  prepended: Ref<number>;
  /** One past the last line the reporter confirmed; later lines are numbered by the page until checked. */
  confirmed: Ref<number>;
  loading: Ref<boolean>;
  /** True once scrolling up reached the first line the reporter still has. */
  atStart: Ref<boolean>;
  error: Ref<CommandFailure | null>;
  /** Fetches the last lines and starts following; later calls check the view against the reporter. */
  load: () => Promise<void>;
  /** Fetches lines before the first one shown. */
  loadOlder: () => Promise<void>;
}

function defaultSchedule(flush: () => void): void {
  if (typeof requestAnimationFrame === "function") {
    requestAnimationFrame(() => flush());
  } else {
    setTimeout(flush, 16);
  }
}

/** Follows one instance's ComfyUI log; stops following when the calling scope ends. */
export function useComfyuiLogs(instanceId: MaybeRefOrGetter<string>, options: UseComfyuiLogsOptions = {}): UseComfyuiLogsReturn {
  const { schedule = defaultSchedule, quietMs = 1500, maxWaitMs = 30_000 } = options;
  const store = useLiveStore();
  const lines = shallowRef<ComfyuiLogLine[]>([]);
  const version = shallowRef(0);
  const prepended = shallowRef(0);
  const confirmed = shallowRef(0);
  const loading = shallowRef(false);
  const atStart = shallowRef(false);
  const error = shallowRef<CommandFailure | null>(null);

  /** One past the last confirmed line; null until the first tail arrived. */
  let confirmedEnd: number | null = null;
  /** Guessed lines at the end of `lines`. */
  let guessed = 0;
  /** Event lines waiting for the next flush. */
  let pending: string[] = [];
  /** Event lines received so far, to tell which arrived after a tail was asked for. */
  let received = 0;
  let flushScheduled = false;
  let loadingOlder = false;
  let checking = false;
  let checkAgain = false;
  let stopped = false;
  let checkTimer: ReturnType<typeof setTimeout> | null = null;
  let firstUnchecked = 0;
  let lastEvent = 0;

  function changed(front: number): void {
    prepended.value = front;
    version.value += 1;
    triggerRef(lines);
  }

  function flush(): void {
    flushScheduled = false;
    // Before the first tail there is no number to count from; the tail's merge takes them.
    if (confirmedEnd === null || pending.length === 0) {
      return;
    }
    const list = lines.value;
    let next = (list.at(-1)?.n ?? confirmedEnd - 1) + 1;
    for (const text of pending) {
      list.push({ n: next, text });
      next += 1;
    }
    guessed += pending.length;
    pending = [];
    if (list.length > MAX_KEPT_LINES) {
      list.splice(0, list.length - MAX_KEPT_LINES);
      guessed = Math.min(guessed, list.length);
      atStart.value = false;
    }
    changed(0);
  }

  function receive(text: string[]): void {
    if (stopped || (confirmedEnd === null && !checking)) {
      return;
    }
    pending.push(...text);
    received += text.length;
    if (!flushScheduled) {
      flushScheduled = true;
      schedule(flush);
    }
    armCheck();
  }

  /** Checks the view once events have been quiet for `quietMs`, or after `maxWaitMs` at most. */
  function armCheck(): void {
    const now = Date.now();
    lastEvent = now;
    if (checkTimer !== null) {
      return;
    }
    firstUnchecked = now;
    const tick = (): void => {
      const at = Date.now();
      const due = Math.min(lastEvent + quietMs, firstUnchecked + maxWaitMs);
      if (at < due) {
        checkTimer = setTimeout(tick, due - at);
        return;
      }
      checkTimer = null;
      void load();
    };
    checkTimer = setTimeout(tick, quietMs);
  }

  /** Lines before `before`, back to `from`, oldest first; null when a fetch failed. */
  async function fetchGap(from: number, before: number): Promise<ComfyuiLogLine[] | null> {
    const gap: ComfyuiLogLine[] = [];
    let end = before;
    while (end > from) {
      const result = await sendCommand(toValue(instanceId), "comfyui.logs.older", { before: end, lines: Math.min(MAX_FETCH_LINES, end - from) });
      if (!result.ok) {
        error.value = result.error;
        return null;
      }
      const page = result.data.lines.filter((line) => line.n >= from && line.n < end);
      if (page[0] === undefined || page.at(-1)?.n !== end - 1) {
        // The reporter no longer has these lines (rotation dropped them).
        return null;
      }
      gap.unshift(...page);
      end = page[0].n;
    }
    return gap;
  }

  /** Asks for the newest lines (renewing the lease) and joins them to the view. */
  async function check(): Promise<void> {
    const before = received;
    const requested = confirmedEnd === null ? LOG_PAGE_LINES : Math.min(MAX_FETCH_LINES, guessed + pending.length + 100);
    const result = await sendCommand(toValue(instanceId), "comfyui.logs.tail", { lines: requested, follow: true, follow_s: FOLLOW_S });
    if (!result.ok) {
      error.value = result.error;
      return;
    }
    error.value = null;

    const window: LogWindow = { lines: result.data.lines, total: result.data.total };
    const start = window.lines[0]?.n ?? window.total;
    if (confirmedEnd !== null && start > confirmedEnd && start - confirmedEnd <= MAX_GAP_LINES) {
      const gap = await fetchGap(confirmedEnd, start);
      window.lines = gap === null ? window.lines : gap.concat(window.lines);
    }
    if (stopped) {
      return;
    }

    // Every event line that reached the page, flushed or not, oldest first; the window holds
    // all but those that arrived after it was asked for.
    const list = lines.value;
    const unchecked = list.slice(list.length - guessed).map((line) => line.text).concat(pending);
    const late = unchecked.slice(Math.max(0, unchecked.length - (received - before)));
    const view: LogView | null = confirmedEnd === null ? null : { lines: list.slice(0, list.length - guessed), confirmedEnd };
    const merged = mergeWindow(view, window, late, MAX_KEPT_LINES);

    lines.value = merged.lines;
    confirmedEnd = merged.confirmedEnd;
    confirmed.value = merged.confirmedEnd;
    guessed = merged.lines.length - indexFrom(merged.lines, merged.confirmedEnd);
    pending = [];
    atStart.value = (merged.lines[0]?.n ?? 0) === 0;
    changed(0);
    if (late.length > 0) {
      // Which late lines repeat the window is a guess; check again once they settle.
      armCheck();
    }
  }

  async function load(): Promise<void> {
    if (checking) {
      checkAgain = true;
      return;
    }
    checking = true;
    loading.value = true;
    try {
      do {
        checkAgain = false;
        await check();
      } while (checkAgain && !stopped);
    } finally {
      checking = false;
      loading.value = false;
    }
  }

  async function loadOlder(): Promise<void> {
    const first = lines.value[0];
    if (loadingOlder || atStart.value || first === undefined) {
      return;
    }
    loadingOlder = true;
    const result = await sendCommand(toValue(instanceId), "comfyui.logs.older", { before: first.n, lines: LOG_PAGE_LINES });
    loadingOlder = false;
    if (!result.ok) {
      error.value = result.error;
      return;
    }
    // A check that replaced the view meanwhile makes these lines belong elsewhere.
    if (lines.value[0]?.n !== first.n) {
      return;
    }
    const older = result.data.lines.filter((line) => line.n < first.n);
    if (older.length === 0 || (older[0]?.n ?? 0) === 0) {
      atStart.value = true;
    }
    lines.value.unshift(...older);
    changed(older.length);
  }

  // The store parses each frame for the page state and drops log events, so they are read
  // here as the frames pass through it.
  const stopListening = store.$onAction(({ name, args }) => {
    if (name !== "receiveFrame") {
      return;
    }
    const [frameInstance, text] = args;
    if (frameInstance !== toValue(instanceId) || !text.includes('"comfyui"') || !text.includes('"log"')) {
      return;
    }
    const parsed = parseFrame(edgeToBrowserMessageSchema, text);
    if (!parsed.ok || parsed.value.type !== "event" || parsed.value.instance_id !== frameInstance) {
      return;
    }
    if (parsed.value.event.kind === "log" && parsed.value.event.source === "comfyui") {
      receive(parsed.value.event.lines);
    }
  });

  // Renewing the lease is a check too: it finds lines a lapsed lease or a lost event missed.
  const renewTimer = setInterval(() => void load(), RENEW_MS);

  if (options.live !== undefined) {
    const live = options.live;
    watch(
      () => toValue(live),
      (now, before) => {
        if (now && before === false) {
          void load();
        }
      },
    );
  }

  onScopeDispose(() => {
    stopped = true;
    stopListening();
    clearInterval(renewTimer);
    if (checkTimer !== null) {
      clearTimeout(checkTimer);
    }
    pending = [];
  });

  return { lines, version, prepended, confirmed, loading, atStart, error, load, loadOlder };
}
