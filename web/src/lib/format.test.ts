import { describe, expect, it } from "vitest";

import { ageParts, formatBytes, formatLocalTime, formatPercent, formatUptime, formatUsedTotal } from "./format";

describe("formatUptime", () => {
  it.each([
    [0, "0s"],
    [45, "45s"],
    [720, "12m"],
    [9000, "2h30m"],
    [3600, "1h0m"],
    [97_200, "1d3h"],
  ])("formats %i s as %s", (seconds, text) => {
    expect(formatUptime(seconds)).toBe(text);
  });
});

describe("formatBytes", () => {
  it.each([
    [512, "512 B"],
    [1536, "1.5 KiB"],
    [1_288_490_188, "1.2 GiB"],
    [25_757_220_864, "24.0 GiB"],
    [68_719_476_736, "64 GiB"],
    [200 * 1024 ** 3, "200 GiB"],
  ])("formats %i as %s", (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });

  it.each([
    [8_804_769_792, 25_757_220_864, "8.2 / 24.0 GiB"],
    [10_240 * 1024 ** 2, 81_559 * 1024 ** 2, "10.0 / 79.6 GiB"],
    [40 * 1024 ** 3, 100 * 1024 ** 3, "40 / 100 GiB"],
  ])("puts %i and %i on one scale", (used, total, text) => {
    expect(formatUsedTotal(used, total)).toBe(text);
  });
});

describe("formatPercent", () => {
  it("rounds to a whole percent", () => {
    expect(formatPercent(59.5)).toBe("60%");
  });
});

describe("ageParts", () => {
  it.each([
    [0, "seconds", 0],
    [15_000, "seconds", 15],
    [59_999, "seconds", 59],
    [60_000, "minutes", 1],
    [7_200_000, "hours", 2],
    [3 * 86_400_000, "days", 3],
  ] as const)("splits %i ms into %s", (ms, unit, value) => {
    expect(ageParts(ms)).toEqual({ unit, value });
  });

  it("treats a future time as now", () => {
    expect(ageParts(-5000)).toEqual({ unit: "seconds", value: 0 });
  });
});

describe("formatLocalTime", () => {
  const now = new Date("2026-02-18T10:00:00Z");

  it("shows the time alone on the same local day", () => {
    expect(formatLocalTime("2026-02-18T09:32:47Z", "en", now, "Asia/Shanghai")).toBe("17:32:47");
  });

  it("converts UTC to the viewer's zone", () => {
    expect(formatLocalTime("2026-02-18T09:32:47Z", "en", now, "UTC")).toBe("09:32:47");
  });

  it("adds the date on another day", () => {
    expect(formatLocalTime("2026-02-16T09:32:47Z", "en", now, "UTC")).toBe("Feb 16, 09:32");
  });
});
