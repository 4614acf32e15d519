import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { StepCoalescer } from "../../src/comfyui/step-coalescer.js";

describe("StepCoalescer", () => {
  let applied: (number | string)[];
  let coalescer: StepCoalescer;

  function step(value: number, key = "p1", max = 20) {
    return { key, value, max, apply: () => applied.push(key === "p1" ? value : `${key}:${value}`) };
  }

  /** Offers step 1, step 2 sooner than the interval, and step 3 after it. */
  function offerThreeSteps(): void {
    coalescer.offer(step(1));
    vi.advanceTimersByTime(60);
    coalescer.offer(step(2));
    vi.advanceTimersByTime(50);
    coalescer.offer(step(3));
  }

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
    applied = [];
    coalescer = new StepCoalescer(100);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("applies the first step at once", () => {
    coalescer.offer(step(1));

    expect(applied).toEqual([1]);
  });

  it("applies a stalled waiting step", () => {
    coalescer.offer(step(1));
    vi.advanceTimersByTime(30);
    coalescer.offer(step(2));
    vi.advanceTimersByTime(30);
    coalescer.offer(step(3));
    vi.advanceTimersByTime(460);
    expect(applied).toEqual([1]);
    vi.advanceTimersByTime(10);

    expect(applied).toEqual([1, 3]);
  });

  it("applies a late step at once", () => {
    offerThreeSteps();

    expect(applied).toEqual([1, 3]);
  });

  it("drops a replaced step for good", () => {
    offerThreeSteps();
    vi.advanceTimersByTime(500);

    expect(applied).toEqual([1, 3]);
  });

  it("applies the last step at once", () => {
    coalescer.offer(step(19));
    coalescer.offer(step(20));

    expect(applied).toEqual([19, 20]);
  });

  it("applies a waiting step when flushed", () => {
    coalescer.offer(step(1));
    coalescer.offer(step(2));
    coalescer.flush();

    expect(applied).toEqual([1, 2]);
  });

  it("flushes before another prompt's step", () => {
    coalescer.offer(step(1));
    coalescer.offer(step(2));
    coalescer.offer(step(1, "p2"));
    vi.advanceTimersByTime(500);

    expect(applied).toEqual([1, 2, "p2:1"]);
  });

  it("keeps the timer armed after applying", () => {
    offerThreeSteps();

    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(500);
    expect(vi.getTimerCount()).toBe(0);
    expect(applied).toEqual([1, 3]);
  });

  it("applies nothing twice after a flush", () => {
    coalescer.offer(step(1));
    coalescer.offer(step(2));
    coalescer.flush();
    vi.advanceTimersByTime(200);

    expect(applied).toEqual([1, 2]);
  });

  it("applies every step with a zero interval", () => {
    const every = new StepCoalescer(0);
    every.offer(step(1));
    every.offer(step(2));

    expect(applied).toEqual([1, 2]);
  });
});
