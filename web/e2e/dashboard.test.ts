import { mkdir } from "node:fs/promises";

import { COMFY_SERVICE, queuePrompt } from "@comfycarry/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { horizontalOverflow, openDashboard, rawKeysOnPage, useStackAndBrowser, waitForAttribute, waitForText } from "./support";

import type { Page } from "playwright-core";

// The dashboard in Chromium against the real local stack: edge in workerd serving
// web/dist, the ComfyUI simulator and the reporter under PM2, the fake nvidia-smi.

const GIB = 1024 ** 3;
const DISK_TOTAL = 100 * GIB;

const e2e = useStackAndBrowser("dashboard", (stateDir) => ({
  stateDir,
  preset: "h100",
  stepMs: 150,
  fakeDisk: { total_bytes: DISK_TOTAL, used_bytes: 40 * GIB, free_bytes: 60 * GIB },
}));

describe("overview", () => {
  let page: Page;

  beforeAll(async () => {
    page = await openDashboard(e2e.browser, e2e.stack, { locale: "en" });
  });

  afterAll(async () => {
    await page.context().close();
  });

  it("opens the single instance with ComfyUI online", async () => {
    expect(page.url()).toContain(`/instances/${e2e.stack.instanceId}/overview`);
    await waitForAttribute(page, "[data-testid=badge-comfyui]", "data-level", "green");
  });

  it("shows the preset's GPU values", async () => {
    await waitForText(page, "[data-testid=gpu-card-0] [data-testid=gpu-name]", "NVIDIA H100 80GB HBM3");
    expect(await page.textContent("[data-testid=gpu-card-0] [data-testid=gpu-utilization]")).toBe("37%");
    expect(await page.textContent("[data-testid=gpu-card-0] [data-testid=gpu-temperature]")).toContain("41 °C");
    expect(await page.textContent("[data-testid=gpu-card-0] [data-testid=gpu-power]")).toBe("142.2 / 700 W");
  });

  it("shows VRAM on its own card", async () => {
    expect(await page.textContent("[data-testid=vram-card-0] [data-testid=capacity-usage]")).toBe("10.0 / 79.6 GiB");
    expect(await page.textContent("[data-testid=vram-card-0] [data-testid=capacity-percent]")).toBe("13%");
  });

  it("shows memory and the reporter's disk figures", async () => {
    expect(await page.isVisible("[data-testid=memory-card] [data-testid=capacity-percent]")).toBe(true);
    expect(await page.textContent("[data-testid=disk-card] [data-testid=capacity-usage]")).toBe("40 / 100 GiB");
    expect(await page.textContent("[data-testid=disk-card]")).toContain("60 GiB free");
  });

  it("follows a prompt's node and step progress, then goes idle", async () => {
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));
    await queuePrompt(e2e.stack.comfyuiProxyUrl, { steps: 30 });

    await page.waitForSelector("[data-testid=activity-step]", { timeout: 30_000 });
    const steps = new Set<number>();
    for (let sample = 0; sample < 40 && steps.size < 3; sample += 1) {
      const text = await page.textContent("[data-testid=activity-step]").catch(() => null);
      const step = /Step (\d+)\/30/.exec(text ?? "")?.[1];
      if (step !== undefined) {
        steps.add(Number(step));
      }
      await page.waitForTimeout(200);
    }
    expect(steps.size).toBeGreaterThanOrEqual(3);
    expect(await page.textContent("[data-testid=activity-node]")).toMatch(/Node \d+\/\d+/);

    await page.waitForSelector("[data-testid=activity-idle]", { timeout: 30_000 });
    expect(await page.textContent("[data-testid=activity-idle]")).toContain("All ready, waiting for tasks");
    expect(await page.evaluate(() => "notReloaded" in window)).toBe(true);
  });

  it("restarts comfy from the services table without a reload", async () => {
    await page.evaluate(() => Object.assign(window, { notReloaded: true }));
    await page.click(`[data-testid='service.restart-${COMFY_SERVICE}']`);

    await page.waitForFunction(() => document.querySelector("[data-testid=badge-comfyui]")?.getAttribute("data-level") !== "green", undefined, { timeout: 30_000, polling: 50 });
    await waitForAttribute(page, "[data-testid=badge-comfyui]", "data-level", "green", 60_000);
    expect(await page.evaluate(() => "notReloaded" in window)).toBe(true);
  });
});

/** Builds a two-GPU preset in the fake nvidia-smi's format, both GPUs at the given VRAM % and temperature. */
function twoGpuPreset(vramPercent: number, temperature: number): object {
  const gpu = (index: number) => ({
    index,
    name: "NVIDIA GeForce RTX 4090",
    uuid: `GPU-00000000-0000-4000-8000-00000000000${index}`,
    "pci.bus_id": `00000000:0${index + 1}:00.0`,
    "utilization.gpu": 50,
    "utilization.memory": 20,
    "temperature.gpu": temperature,
    "power.draw": 200.0,
    "power.limit": 450.0,
    "memory.used": vramPercent * 100,
    "memory.total": 10_000,
    "compute_cap": "8.9",
    "fan.speed": 40,
  });
  return { driver_version: "550.127.05", cuda_version: "12.4", failure: null, gpus: [gpu(0), gpu(1)] };
}

describe("colour thresholds", () => {
  let page: Page;

  beforeAll(async () => {
    page = await openDashboard(e2e.browser, e2e.stack, { locale: "en" });
  });

  afterAll(async () => {
    await page.context().close();
    await e2e.stack.setPreset("h100");
    await e2e.stack.setDisk({ total_bytes: DISK_TOTAL, used_bytes: 40 * GIB, free_bytes: 60 * GIB });
  });

  it.each([
    [59, "green"],
    [60, "amber"],
    [85, "amber"],
    [86, "red"],
  ])("colours VRAM and disk at %i percent %s", async (percent, level) => {
    await e2e.stack.setPreset(twoGpuPreset(percent, 50));
    await e2e.stack.setDisk({ total_bytes: DISK_TOTAL, used_bytes: percent * GIB, free_bytes: (100 - percent) * GIB });

    // Wait for the new figures first: two cases in a row can share a colour.
    await waitForText(page, "[data-testid=vram-card-1] [data-testid=capacity-percent]", `${percent}%`);
    await waitForText(page, "[data-testid=disk-card] [data-testid=capacity-percent]", `${percent}%`);
    expect(await page.getAttribute("[data-testid=vram-card-0]", "data-level")).toBe(level);
    expect(await page.getAttribute("[data-testid=vram-card-1]", "data-level")).toBe(level);
    expect(await page.getAttribute("[data-testid=disk-card]", "data-level")).toBe(level);
  });

  it.each([
    [69, "green"],
    [70, "amber"],
    [85, "amber"],
    [86, "red"],
  ])("colours both GPU cards at %i °C %s", async (celsius, level) => {
    await e2e.stack.setPreset(twoGpuPreset(10, celsius));

    await waitForText(page, "[data-testid=gpu-card-1] [data-testid=gpu-temperature]", `${celsius} °C`);
    await waitForText(page, "[data-testid=gpu-card-0] [data-testid=gpu-temperature]", `${celsius} °C`);
    expect(await page.getAttribute("[data-testid=gpu-card-0]", "data-level")).toBe(level);
    expect(await page.getAttribute("[data-testid=gpu-card-1]", "data-level")).toBe(level);
  });
});

describe("locales and small screens", () => {
  it.each(["zh-CN", "en"] as const)("shows no raw i18n key in %s", async (locale) => {
    const page = await openDashboard(e2e.browser, e2e.stack, { locale });
    await page.waitForSelector("[data-testid=services]");
    expect(await rawKeysOnPage(page)).toEqual([]);

    await page.click("header a[href='/']");
    await page.waitForSelector("[data-testid=fleet] [role=link]");
    expect(await rawKeysOnPage(page)).toEqual([]);
    await page.context().close();
  });

  it("speaks Chinese in zh-CN", async () => {
    const page = await openDashboard(e2e.browser, e2e.stack, { locale: "zh-CN" });
    await waitForText(page, "[data-testid=status-bar]", "实例状态");
    expect(await page.getAttribute("html", "lang")).toBe("zh-CN");
    await page.context().close();
  });

  it("switches the language from the header and remembers it", async () => {
    const page = await openDashboard(e2e.browser, e2e.stack, { locale: "zh-CN" });
    await page.click("[data-testid=language-switch]");
    await page.click(".n-dropdown-option:has-text('English')");
    await waitForText(page, "[data-testid=status-bar]", "Instance status");
    expect(await page.evaluate(() => localStorage.getItem("comfycarry.locale"))).toBe("en");
    await page.context().close();
  });

  it("turns the services table into cards at 390 px with no sideways scroll", async () => {
    const page = await openDashboard(e2e.browser, e2e.stack, { locale: "zh-CN", width: 390, height: 844 });
    await page.waitForSelector("[data-testid=services-cards]");
    expect(await page.isVisible("[data-testid=services-table]")).toBe(false);
    expect(await horizontalOverflow(page)).toBe(0);

    await page.click("header a[href='/']");
    await page.waitForSelector("[data-testid=fleet] [role=link]");
    expect(await horizontalOverflow(page)).toBe(0);

    await page.click("[data-testid=logout]");
    await page.waitForSelector("[data-testid=login-submit]");
    expect(await horizontalOverflow(page)).toBe(0);
    await page.context().close();
  });

  // Run with COMFYCARRY_UPDATE_SCREENSHOTS=1 to refresh docs/screenshots; skipped otherwise.
  it.runIf(process.env.COMFYCARRY_UPDATE_SCREENSHOTS === "1")("saves the overview screenshots", async () => {
    const out = new URL("../../docs/screenshots/", import.meta.url);
    await mkdir(out, { recursive: true });
    await queuePrompt(e2e.stack.comfyuiProxyUrl, { steps: 200 });
    for (const locale of ["zh-CN", "en"] as const) {
      for (const [name, width, height] of [["desktop", 1280, 900], ["phone", 390, 844]] as const) {
        const page = await openDashboard(e2e.browser, e2e.stack, { locale, width, height });
        await page.waitForSelector("[data-testid=activity-step]", { timeout: 30_000 });
        await page.waitForTimeout(6000);
        await page.screenshot({ path: new URL(`overview-${name}-${locale}.png`, out).pathname, fullPage: true });
        await page.context().close();
      }
    }
  });
});

describe("reporter offline", () => {
  it("shows the snapshot's age while offline and goes live again", async () => {
    const page = await openDashboard(e2e.browser, e2e.stack, { locale: "en" });
    await waitForAttribute(page, "[data-testid=badge-instance]", "data-level", "green");

    await e2e.stack.killReporter();
    await waitForAttribute(page, "[data-testid=badge-instance]", "data-level", "red", 90_000);
    await waitForText(page, "[data-testid=stale-banner]", "ago");
    expect(await page.isVisible(".stale")).toBe(true);

    await e2e.stack.startReporter();
    await waitForAttribute(page, "[data-testid=badge-instance]", "data-level", "green", 60_000);
    expect(await page.isVisible("[data-testid=stale-banner]")).toBe(false);
    await page.context().close();
  });
});
