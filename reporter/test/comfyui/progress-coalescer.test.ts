import type { ProtocolEvent } from "@comfycarry/shared";
import { toUtcTimestamp } from "@comfycarry/shared";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { ProgressCoalescer } from "../../src/comfyui/progress-coalescer.js";

const position = { prompt_id: "p1", nodes_done: 1, node_count: 3 };

function step(value: number, max = 20): ProtocolEvent {
  return { kind: "comfyui.progress", at: toUtcTimestamp(), ...position, node: "3", node_class: "KSampler", value, max };
}

function values(events: ProtocolEvent[]): (number | string)[] {
  return events.map((event) => (event.kind === "comfyui.progress" ? event.value : event.kind));
}

describe("ProgressCoalescer", () => {
  let sent: ProtocolEvent[];
  let coalescer: ProgressCoalescer;

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    sent = [];
    coalescer = new ProgressCoalescer((event) => sent.push(event), 100);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("sends the first step at once", () => {
    coalescer.offer(step(1));

    expect(values(sent)).toEqual([1]);
  });

  it("sends only the newest of fast steps", () => {
    coalescer.offer(step(1));
    vi.advanceTimersByTime(30);
    coalescer.offer(step(2));
    vi.advanceTimersByTime(30);
    coalescer.offer(step(3));
    vi.advanceTimersByTime(40);

    expect(values(sent)).toEqual([1, 3]);
  });

  it("sends the last step at once", () => {
    coalescer.offer(step(19));
    coalescer.offer(step(20));

    expect(values(sent)).toEqual([19, 20]);
  });

  it("sends a waiting step before another event", () => {
    coalescer.offer(step(1));
    coalescer.offer(step(2));
    coalescer.offer({ kind: "comfyui.executing", at: toUtcTimestamp(), ...position, node: "8", node_class: "VAEDecode" });

    expect(values(sent)).toEqual([1, 2, "comfyui.executing"]);
  });

  it("sends every step with a zero interval", () => {
    const every = new ProgressCoalescer((event) => sent.push(event), 0);
    every.offer(step(1));
    every.offer(step(2));

    expect(values(sent)).toEqual([1, 2]);
  });
});
