import { edgeToBrowserMessageSchema, parseFrame } from "@comfycarry/shared";
import { onScopeDispose, shallowRef, toValue, triggerRef, watch } from "vue";

import { useLiveStore } from "../stores/liveStore";
import { sendCommand } from "./instanceCommand";

import type { CommandFailure } from "./instanceCommand";
import type { ComfyuiLogLine } from "@comfycarry/shared";
import type { MaybeRefOrGetter, Ref, ShallowRef } from "vue";

// ComfyUI's log as the page shows it: the last lines at once, then the reporter's `log`
// events (source "comfyui") appended while a follow lease runs, older lines on demand.
// Lines live in one plain array behind a shallow ref, so 10,000 lines cost no reactivity;
// events are batched into one update per animation frame.

/** Lines fetched at once and per scroll-up. */
export const LOG_PAGE_LINES = 500;

/** Seconds one follow lease lasts; it is renewed a minute before it ends. */
export const FOLLOW_S = 300;
const RENEW_MS = (FOLLOW_S - 60) * 1000;

/** Lines kept in the page; the oldest are dropped past this (scrolling up fetches them again). */
export const MAX_KEPT_LINES = 50_000;

/** Options for `useComfyuiLogs`. */
export interface UseComfyuiLogsOptions {
  /** Whether the socket is live; a return to live after a gap reloads the tail, since events were missed. */
  live?: MaybeRefOrGetter<boolean>;
  /** Schedules a batch flush; requestAnimationFrame in the page. */
  schedule?: (flush: () => void) => void;
}

/** The return value of `useComfyuiLogs`. */
export interface UseComfyuiLogsReturn {
  lines: ShallowRef<ComfyuiLogLine[]>;
  /** Counts every change to `lines`; `prepended` is the number of lines the last change put in front. */
  version: Ref<number>;
  prepended: Ref<number>;
  loading: Ref<boolean>;
  /** True once scrolling up reached the first line the reporter still has. */
  atStart: Ref<boolean>;
  error: Ref<CommandFailure | null>;
  /** Fetches the last lines and starts following. */
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
  const schedule = options.schedule ?? defaultSchedule;
  const store = useLiveStore();
  const lines = shallowRef<ComfyuiLogLine[]>([]);
  const version = shallowRef(0);
  const prepended = shallowRef(0);
  const loading = shallowRef(false);
  const atStart = shallowRef(false);
  const error = shallowRef<CommandFailure | null>(null);

  /** Number the next event line gets: one past the newest line shown. */
  let nextN = 0;
  /** Event lines waiting for the next flush; null until the first tail arrived. */
  let pending: string[] | null = null;
  let flushScheduled = false;
  let loadingOlder = false;
  /** True while a tail is on its way: event lines wait, since their numbers start where the tail ends. */
  let awaitingTail = false;

  function changed(front: number): void {
    prepended.value = front;
    version.value += 1;
    triggerRef(lines);
  }

  function flush(): void {
    flushScheduled = false;
    if (awaitingTail || pending === null || pending.length === 0) {
      return;
    }
    const list = lines.value;
    for (const text of pending) {
      list.push({ n: nextN, text });
      nextN += 1;
    }
    pending = [];
    if (list.length > MAX_KEPT_LINES) {
      list.splice(0, list.length - MAX_KEPT_LINES);
      atStart.value = false;
    }
    changed(0);
  }

  function receive(text: string[]): void {
    if (pending === null) {
      return;
    }
    pending.push(...text);
    if (!flushScheduled) {
      flushScheduled = true;
      schedule(flush);
    }
  }

  async function load(): Promise<void> {
    loading.value = true;
    // Lines arriving while the tail is on its way are kept and appended after it.
    awaitingTail = true;
    pending = [];
    const result = await sendCommand(toValue(instanceId), "comfyui.logs.tail", { lines: LOG_PAGE_LINES, follow: true, follow_s: FOLLOW_S });
    loading.value = false;
    awaitingTail = false;
    if (!result.ok) {
      error.value = result.error;
      pending = null;
      return;
    }
    error.value = null;
    lines.value = result.data.lines;
    nextN = result.data.total;
    atStart.value = (result.data.lines[0]?.n ?? 0) === 0;
    changed(0);
    flush();
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
    const older = result.data.lines.filter((line) => line.n < first.n);
    if (older.length === 0 || (older[0]?.n ?? 0) === 0) {
      atStart.value = true;
    }
    lines.value.unshift(...older);
    changed(older.length);
  }

  /** Extends the follow lease without touching what is shown. */
  async function renew(): Promise<void> {
    await sendCommand(toValue(instanceId), "comfyui.logs.tail", { lines: 1, follow: true, follow_s: FOLLOW_S });
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

  const renewTimer = setInterval(() => void renew(), RENEW_MS);

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
    stopListening();
    clearInterval(renewTimer);
    pending = null;
  });

  return { lines, version, prepended, loading, atStart, error, load, loadOlder };
}
