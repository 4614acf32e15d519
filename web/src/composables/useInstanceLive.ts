import { useIntervalFn, useTimeoutFn, useWebSocket } from "@vueuse/core";
import { computed, shallowRef, toValue, watch } from "vue";

import { fetchOverview, instanceSocketUrl } from "../api/edge";
import { useLiveStore } from "../stores/liveStore";

import type { ApiFailure } from "../api/client";
import type { LiveState } from "../lib/liveState";
import type { LinkMode } from "../stores/liveStore";
import type { MaybeRefOrGetter, Ref } from "vue";

/** Options for `useInstanceLive`. */
export interface UseInstanceLiveOptions {
  /**
   * Poll interval while the socket is down, in ms.
   * @default 5000
   */
  pollIntervalMs?: number;
  /**
   * How long the first connection may take before the page falls back to polling, in ms.
   * @default 4000
   */
  connectGraceMs?: number;
  /**
   * Heartbeat interval, in ms; a socket silent for a heartbeat plus `pongTimeoutMs` is closed and reopened.
   * @default 25000
   */
  heartbeatMs?: number;
  /**
   * @default 10000
   */
  pongTimeoutMs?: number;
}

/** The return value of `useInstanceLive`. */
export interface UseInstanceLiveReturn {
  state: Ref<LiveState>;
  link: Ref<LinkMode>;
  /** The last frame or poll that could not be used, for diagnosis. */
  lastIssue: Ref<string | null>;
  /** The last poll failure, or null after a good poll. */
  pollError: Ref<ApiFailure | null>;
}

const PING = JSON.stringify({ type: "ping" });
const PONG = JSON.stringify({ type: "pong" });

/** Reconnect delay after the nth failed attempt: 1 s, 2 s, 4 s … capped at 15 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempt - 1), 15_000);
}

/**
 * Keeps one instance's live state current over one WebSocket to the edge, which
 * reconnects forever. While the socket is down, the overview is polled and the link
 * is marked degraded.
 */
export function useInstanceLive(instanceId: MaybeRefOrGetter<string>, options: UseInstanceLiveOptions = {}): UseInstanceLiveReturn {
  const { pollIntervalMs = 5000, connectGraceMs = 4000, heartbeatMs = 25_000, pongTimeoutMs = 10_000 } = options;
  const store = useLiveStore();
  const id = computed(() => toValue(instanceId));
  const lastIssue = shallowRef<string | null>(null);
  const pollError = shallowRef<ApiFailure | null>(null);

  const socket = useWebSocket(() => instanceSocketUrl(id.value), {
    autoReconnect: { retries: -1, delay: reconnectDelayMs },
    heartbeat: { message: PING, responseMessage: PONG, interval: heartbeatMs, pongTimeout: pongTimeoutMs },
    onMessage: (_ws, event: MessageEvent) => {
      if (typeof event.data !== "string") {
        lastIssue.value = "binary frame on a text protocol";
        return;
      }
      const outcome = store.receiveFrame(id.value, event.data);
      if (!outcome.ok) {
        lastIssue.value = outcome.issues;
      }
    },
  });

  let polling = false;
  async function poll(): Promise<void> {
    if (polling) {
      return;
    }

    polling = true;
    const instance = id.value;
    const result = await fetchOverview(instance);
    polling = false;
    if (result.ok) {
      pollError.value = null;
      store.receiveOverview(instance, result.value);
    } else {
      pollError.value = result.error;
      lastIssue.value = `${result.error.code}: ${result.error.message}`;
    }
  }

  const poller = useIntervalFn(() => void poll(), pollIntervalMs, { immediate: false });

  function degrade(): void {
    if (store.links[id.value] === "degraded") {
      return;
    }
    store.setLink(id.value, "degraded");
    void poll();
    poller.resume();
  }

  // A first connection that hangs counts as a failure too: fall back to polling.
  const grace = useTimeoutFn(() => {
    if (socket.status.value !== "OPEN") {
      degrade();
    }
  }, connectGraceMs);

  watch(
    socket.status,
    (status) => {
      if (status === "OPEN") {
        poller.pause();
        grace.stop();
        store.setLink(id.value, "live");
      } else if (status === "CLOSED") {
        degrade();
      }
    },
    { immediate: true },
  );

  watch(
    id,
    (current) => {
      store.stateOf(current);
      if (socket.status.value !== "OPEN") {
        store.setLink(current, "connecting");
        grace.start();
      }
    },
    { immediate: true },
  );

  return {
    state: computed(() => store.stateOf(id.value)),
    link: computed(() => store.links[id.value] ?? "connecting"),
    lastIssue,
    pollError,
  };
}
