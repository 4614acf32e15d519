import { describe, expect, it } from "vitest";

import { capacityLevel, comfyuiLevel, queueLevel, temperatureLevel, usedPercent } from "./levels";

describe("capacityLevel", () => {
  it.each([
    [0, "green"],
    [59, "green"],
    [60, "amber"],
    [85, "amber"],
    [86, "red"],
    [100, "red"],
  ] as const)("colours %i %% %s", (percent, level) => {
    expect(capacityLevel(percent)).toBe(level);
  });

  it("colours the rounded figure the page shows", () => {
    expect(capacityLevel(59.4)).toBe("green");
    expect(capacityLevel(59.5)).toBe("amber");
    expect(capacityLevel(85.4)).toBe("amber");
    expect(capacityLevel(85.5)).toBe("red");
  });

  it("stays neutral when unknown", () => {
    expect(capacityLevel(null)).toBe("neutral");
  });
});

describe("temperatureLevel", () => {
  it.each([
    [40, "green"],
    [69, "green"],
    [70, "amber"],
    [85, "amber"],
    [86, "red"],
  ] as const)("colours %i °C %s", (celsius, level) => {
    expect(temperatureLevel(celsius)).toBe(level);
  });

  it("stays neutral when the driver reports none", () => {
    expect(temperatureLevel(null)).toBe("neutral");
  });
});

describe("usedPercent", () => {
  it("divides used by total", () => {
    expect(usedPercent(25, 100)).toBe(25);
  });

  it("returns null without a total", () => {
    expect(usedPercent(5, 0)).toBeNull();
    expect(usedPercent(5, null)).toBeNull();
  });
});

describe("badge levels", () => {
  it("colours ComfyUI states", () => {
    expect(comfyuiLevel("online")).toBe("green");
    expect(comfyuiLevel("starting")).toBe("amber");
    expect(comfyuiLevel("offline")).toBe("red");
    expect(comfyuiLevel("crashed")).toBe("red");
  });

  it("colours the queue by backlog", () => {
    expect(queueLevel(0, 0)).toBe("green");
    expect(queueLevel(1, 0)).toBe("amber");
    expect(queueLevel(1, 5)).toBe("amber");
    expect(queueLevel(1, 6)).toBe("red");
  });
});
