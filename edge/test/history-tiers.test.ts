// Heartbeat history tiers in a real Durable Object's SQLite storage, driven by an injected
// clock: 31 days of samples go in, and each tier must keep its span, spacing and row bound.
import { env, runInDurableObject } from "cloudflare:test";
import { HISTORY_RANGES, HISTORY_TIERS } from "@comfycarry/shared";
import type { HistoryRange, HistorySample } from "@comfycarry/shared";
import { beforeAll, describe, expect, it } from "vitest";

import { HistoryStore } from "../src/history/store.js";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A fixed start on a 15-minute boundary, so bucket edges are easy to reason about. */
const START = Date.UTC(2026, 9, 1);

function sample(t: number, overrides: Partial<HistorySample> = {}): HistorySample {
  return {
    t,
    gpu_util_percent: 40,
    vram_percent: 50,
    gpu_temp_c: 60,
    cpu_percent: 10,
    memory_percent: 20,
    disk_percent: 30,
    busy: 0,
    count: 1,
    ...overrides,
  };
}

function gaps(samples: HistorySample[]): Set<number> {
  const spacing = new Set<number>();
  for (let index = 1; index < samples.length; index += 1) {
    spacing.add((samples[index]?.t ?? 0) - (samples[index - 1]?.t ?? 0));
  }
  return spacing;
}

async function withStore<T>(run: (store: HistoryStore) => T): Promise<T> {
  const stub = env.INSTANCES.get(env.INSTANCES.idFromName(`history-${crypto.randomUUID()}`));
  return runInDurableObject(stub, (_instance, state) => run(new HistoryStore(state.storage.sql)));
}

/** Feeds 31 days at one sample a minute (busy every other minute), then one hour at a 2 s cadence. */
function feedMonth(store: HistoryStore): number {
  const end = START + 31 * DAY;
  let minute = 0;
  for (let t = START; t < end - HOUR; t += MINUTE) {
    store.record(sample(t, { busy: minute % 2 }));
    minute += 1;
  }
  for (let t = end - HOUR; t <= end; t += 2_000) {
    store.record(sample(t));
  }
  return end;
}

describe("history tiers after 31 days", () => {
  type Month = { now: number; counts: Record<HistoryRange, number>; hour: HistorySample[]; twoDays: HistorySample[]; month: HistorySample[] };
  let fed: Month | null = null;

  // One month of samples takes seconds to write on a loaded machine, so the tests share it.
  beforeAll(async () => {
    fed = await withStore((store) => {
      const now = feedMonth(store);
      return { now, counts: store.rowCounts(), hour: store.read("1h", now), twoDays: store.read("48h", now), month: store.read("30d", now) };
    });
  }, 180_000);

  function month(): Month {
    if (fed === null) {
      throw new Error("the month of samples was not written");
    }
    return fed;
  }

  it("keeps each tier within its row bound", () => {
    for (const range of HISTORY_RANGES) {
      expect(month().counts[range], `${range} rows`).toBeLessThanOrEqual(HISTORY_TIERS[range].maxSamples);
    }
  });

  it("keeps the last hour at raw resolution", () => {
    const { hour, now } = month();

    expect(hour[0]?.t).toBeGreaterThan(now - HOUR);
    expect(Math.min(...gaps(hour))).toBeGreaterThanOrEqual(HISTORY_TIERS["1h"].resolutionMs);
    expect(hour.length).toBeGreaterThan(500);
  });

  it("keeps two days at one point a minute", () => {
    const { twoDays, now } = month();

    expect(twoDays[0]?.t).toBeGreaterThan(now - 48 * HOUR);
    expect([...gaps(twoDays)]).toEqual([MINUTE]);
    expect(twoDays.length).toBeGreaterThanOrEqual(2_870);
  });

  it("keeps 30 days at one point per quarter hour", () => {
    const { month: points, now } = month();

    expect(points[0]?.t).toBeGreaterThan(now - 30 * DAY);
    expect([...gaps(points)]).toEqual([15 * MINUTE]);
    expect(points.length).toBeGreaterThanOrEqual(2_870);
  });

  it("averages figures and busy share when rolling up", () => {
    const days = month().month.filter((point) => point.t < START + 30 * DAY);

    expect(days.every((point) => point.gpu_util_percent === 40)).toBe(true);
    expect(days.every((point) => point.count === 15)).toBe(true);
    // Busy every other minute: 7 or 8 of each quarter hour's 15 minutes.
    expect(days.every((point) => Math.abs(point.busy - 0.5) < 0.05)).toBe(true);
  });
});

describe("history store", () => {
  it("stores sparse samples as minute points only", async () => {
    const result = await withStore((store) => {
      for (let minute = 0; minute < 10; minute += 1) {
        store.record(sample(START + minute * MINUTE));
      }
      return { counts: store.rowCounts(), hour: store.read("1h", START + 10 * MINUTE) };
    });

    expect(result.counts["1h"]).toBe(0);
    expect(result.counts["48h"]).toBe(10);
    expect(result.hour).toHaveLength(10);
  });


  it("skips samples closer than the raw resolution", async () => {
    const stored = await withStore((store) => [store.record(sample(START)), store.record(sample(START + 2_000)), store.record(sample(START + 5_000))]);

    expect(stored).toEqual([true, false, true]);
  });

  it("keeps the raw bound after the clock jumps back", async () => {
    const counts = await withStore((store) => {
      // Each sample is 5 s older than the one before, as a clock running backwards would give.
      for (let index = 0; index < 1_000; index += 1) {
        const t = START - index * 5_000;
        store.record(sample(t));
      }
      return store.rowCounts();
    });

    expect(counts["1h"]).toBeLessThanOrEqual(HISTORY_TIERS["1h"].maxSamples);
  });

  it("leaves null figures out of the mean", async () => {
    const points = await withStore((store) => {
      store.record(sample(START, { gpu_temp_c: null }));
      store.record(sample(START + 10_000, { gpu_temp_c: 70 }));
      store.record(sample(START + MINUTE));
      return store.read("48h", START + MINUTE);
    });

    const first = points.find((point) => point.t === START);
    expect(first?.gpu_temp_c).toBe(70);
    expect(first?.count).toBe(2);
  });
});
