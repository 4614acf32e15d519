// Events produced while the edge is unreachable: held in a bounded buffer and sent, in order,
// after the reconnect. A fake edge on 127.0.0.1 refuses upgrades while the link is "cut".
import { afterEach, describe, expect, it } from "vitest";

import { PROTOCOL_VERSION, toUtcTimestamp } from "@comfycarry/shared";
import type { ProtocolEvent } from "@comfycarry/shared";

import { EventBuffer } from "../../src/link/event-buffer.js";
import { EdgeLink } from "../../src/link/edge-link.js";
import { createRootLogger } from "../../src/log/logger.js";
import { FakeEdge, waitFor } from "../helpers/fake-edge.js";
import { exampleOverview } from "../helpers/overview.js";

const log = createRootLogger({ level: "silent" });

function serviceEvent(restarts: number): ProtocolEvent {
  return { kind: "service.changed", at: toUtcTimestamp(new Date(Date.UTC(2026, 0, 1, 0, 0, restarts))), name: "comfy", status: "online", restarts };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

describe("event buffer", () => {
  it("drops the oldest first and counts them", () => {
    const buffer = new EventBuffer(2);
    for (const restarts of [1, 2, 3, 4]) {
      buffer.push(serviceEvent(restarts));
    }
    const result = buffer.take();
    expect(result.events.map((event) => (event.kind === "service.changed" ? event.restarts : -1))).toEqual([3, 4]);
    expect(result.dropped).toBe(2);
    expect(result.droppedSince).toBe(serviceEvent(1).at);
  });

  it("empties on take", () => {
    const buffer = new EventBuffer(2);
    buffer.push(serviceEvent(1));
    buffer.take();
    expect(buffer.take()).toEqual({ events: [], dropped: 0, droppedSince: null });
  });

  it("rejects a capacity below one", () => {
    expect(() => new EventBuffer(0)).toThrow(/positive integer, got 0/);
  });
});

describe("link across a cut", () => {
  async function cutLink() {
    let cut = false;
    const edge = await FakeEdge.start({ rejectStatus: () => (cut ? 503 : null) });
    cleanups.push(() => edge.close());
    const link = new EdgeLink({
      url: edge.url,
      token: "tok_0123456789abcdef0123",
      log,
      hello: () => ({
        type: "hello",
        protocol_version: PROTOCOL_VERSION,
        instance_id: "gpu-1",
        reporter_version: "0.1.0",
        started_at: toUtcTimestamp(),
        host: { hostname: "box", platform: "linux", arch: "x64", node_version: "v22.13.0", cpu_model: "cpu", cpu_cores: 2, memory_total_bytes: 1, gpu_names: [] },
      }),
      snapshot: () => Promise.resolve(exampleOverview()),
      commands: { execute: () => Promise.resolve({ ok: true, data: null }) },
      backoff: { initialMs: 20, maxMs: 100, factor: 2, random: () => 1 },
      eventBufferSize: 3,
    });
    cleanups.push(() => link.stop());
    link.start();
    await waitFor("the first welcome", () => link.connected);

    cut = true;
    edge.last.socket.terminate();
    await waitFor("the link to notice the cut", () => !link.connected);
    return { edge, link, reconnect: () => (cut = false) };
  }

  it("sends held events in order after reconnecting", async () => {
    const { edge, link, reconnect } = await cutLink();
    for (const restarts of [1, 2]) {
      link.sendEvent(serviceEvent(restarts));
    }
    reconnect();

    await waitFor("a second connection with events", () => edge.connections.length >= 2 && edge.last.frames.some((frame) => frame.type === "event"));
    const events = edge.last.frames.flatMap((frame) => (frame.type === "event" ? [frame.event] : []));
    expect(events).toEqual([serviceEvent(1), serviceEvent(2)]);
  });

  it("reports what overflowed before the rest", async () => {
    const { edge, link, reconnect } = await cutLink();
    for (const restarts of [1, 2, 3, 4, 5]) {
      link.sendEvent(serviceEvent(restarts));
    }
    reconnect();

    await waitFor("four events on the new connection", () => edge.connections.length >= 2 && edge.last.frames.filter((frame) => frame.type === "event").length === 4);
    const events = edge.last.frames.flatMap((frame) => (frame.type === "event" ? [frame.event] : []));
    expect(events[0]).toMatchObject({ kind: "link.events_dropped", dropped: 2, since: serviceEvent(1).at });
    expect(events.slice(1)).toEqual([serviceEvent(3), serviceEvent(4), serviceEvent(5)]);
  });

  it("holds no live-only events", async () => {
    const { edge, link, reconnect } = await cutLink();
    link.sendEvent({ kind: "comfyui.queue", at: toUtcTimestamp(), queue_running: 1, queue_pending: 0 });
    link.sendEvent(serviceEvent(7));
    reconnect();

    await waitFor("an event on the new connection", () => edge.connections.length >= 2 && edge.last.frames.some((frame) => frame.type === "event"));
    const kinds = edge.last.frames.flatMap((frame) => (frame.type === "event" ? [frame.event.kind] : []));
    expect(kinds).toEqual(["service.changed"]);
  });
});
