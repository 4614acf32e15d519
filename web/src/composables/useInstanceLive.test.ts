import { flushPromises } from "@vue/test-utils";
import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { effectScope } from "vue";

import { FakeWebSocket } from "../test/fakeWebSocket";
import { exampleOverview } from "../test/fixtures";
import { reconnectDelayMs, useInstanceLive } from "./useInstanceLive";

const ID = "studio-4090";

function overviewResponse(): Response {
  return new Response(JSON.stringify(exampleOverview()), { status: 200, headers: { "content-type": "application/json" } });
}

describe("useInstanceLive", () => {
  let scope = effectScope();
  let fetch: ReturnType<typeof vi.fn>;

  beforeEach(() => {
    vi.useFakeTimers();
    scope = effectScope();
    setActivePinia(createPinia());
    FakeWebSocket.instances = [];
    vi.stubGlobal("WebSocket", FakeWebSocket);
    fetch = vi.fn(() => Promise.resolve(overviewResponse()));
    vi.stubGlobal("fetch", fetch);
  });

  afterEach(() => {
    scope.stop();
    vi.useRealTimers();
  });

  function start() {
    const live = scope.run(() => useInstanceLive(ID));
    if (live === undefined) {
      throw new Error("effect scope is stopped");
    }
    return live;
  }

  it("opens one socket on the instance's path", () => {
    start();
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.latest().url).toMatch(/\/api\/instances\/studio-4090\/ws$/);
  });

  it("is live once the socket opens and applies its frames", async () => {
    const live = start();
    FakeWebSocket.latest().serverOpen();
    FakeWebSocket.latest().serverSend(JSON.stringify({ type: "overview", overview: exampleOverview() }));
    await flushPromises();
    expect(live.link.value).toBe("live");
    expect(live.state.value.overview?.instance_id).toBe(ID);
    expect(fetch).not.toHaveBeenCalled();
  });

  it("polls every 5 s while the socket is down", async () => {
    const live = start();
    FakeWebSocket.latest().serverOpen();
    FakeWebSocket.latest().serverClose();
    await flushPromises();
    expect(live.link.value).toBe("degraded");
    expect(fetch).toHaveBeenCalledTimes(1);

    await vi.advanceTimersByTimeAsync(5000);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(live.state.value.overview?.online).toBe(true);
  });

  it("falls back to polling when the first connection hangs", async () => {
    const live = start();
    await vi.advanceTimersByTimeAsync(4000);
    expect(live.link.value).toBe("degraded");
    expect(fetch).toHaveBeenCalledWith(`/api/instances/${ID}/overview`, expect.anything());
  });

  it("reconnects and stops polling", async () => {
    const live = start();
    FakeWebSocket.latest().serverOpen();
    FakeWebSocket.latest().serverClose();
    await vi.advanceTimersByTimeAsync(reconnectDelayMs(1));
    expect(FakeWebSocket.instances).toHaveLength(2);

    FakeWebSocket.latest().serverOpen();
    await flushPromises();
    const polls = fetch.mock.calls.length;
    await vi.advanceTimersByTimeAsync(15_000);
    expect(live.link.value).toBe("live");
    expect(fetch.mock.calls.length).toBe(polls);
  });

  it("keeps a frame that fails to parse out of the state", async () => {
    const live = start();
    FakeWebSocket.latest().serverOpen();
    FakeWebSocket.latest().serverSend(JSON.stringify({ type: "overview" }));
    await flushPromises();
    expect(live.state.value.overview).toBeNull();
    expect(live.lastIssue.value).toContain("overview");
  });
});

describe("reconnectDelayMs", () => {
  it("doubles up to 15 s", () => {
    expect([1, 2, 3, 4, 5, 6].map(reconnectDelayMs)).toEqual([1000, 2000, 4000, 8000, 15_000, 15_000]);
  });
});
