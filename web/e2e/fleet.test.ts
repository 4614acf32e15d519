import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Pm2Cli, Stack } from "@comfycarry/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { assertDashboardBuilt, horizontalOverflow, launchChromium, openDashboard, rawKeysOnPage, waitForAttribute, waitForText } from "./support";

import type { Browser, Page } from "playwright-core";

// The fleet page in Chromium against the real stack: one live instance with a price and one
// that never connected, at phone width, with the history charts opened from a card.

let stack: Stack;
let stateDir = "";
let browser: Browser;
let stackStarted = false;

beforeAll(async () => {
  assertDashboardBuilt();
  stateDir = await mkdtemp(join(tmpdir(), "comfycarry-fleet-e2e-"));
  stack = await Stack.start({ stateDir, preset: "h100", stepMs: 40 });
  stackStarted = true;
  browser = await launchChromium();
});

afterAll(async () => {
  await (browser as Browser | undefined)?.close();
  if (stackStarted) {
    await stack.stop();
  } else if (stateDir !== "") {
    await new Pm2Cli(join(stateDir, "pm2")).kill();
  }
  if (stateDir !== "") {
    await rm(stateDir, { recursive: true, force: true });
  }
});

/** Logs in a new page; with two instances the login lands on the fleet page, not an overview. */
async function logIn(locale: "en" | "zh-CN", width: number): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height: 844 } });
  await context.addInitScript((chosen) => {
    localStorage.setItem("comfycarry.locale", chosen);
    localStorage.setItem("comfycarry.theme", "light");
  }, locale);
  const page = await context.newPage();
  await page.goto(`${stack.edge.url}/login`);
  await page.fill("[data-testid=login-password] input", stack.password);
  await page.click("[data-testid=login-submit]");
  await page.waitForURL((url) => url.pathname !== "/login", { timeout: 15_000 });
  return page;
}

/** Adds a second instance and a price once (the first login opens the only instance), then opens the fleet. */
async function openFleet(locale: "en" | "zh-CN", width: number): Promise<Page> {
  const instances = await stack.client.instances();
  const page = instances.length < 2 ? await openDashboard(browser, stack, { locale, width, height: 844 }) : await logIn(locale, width);
  if (instances.length < 2) {
    await stack.client.createInstance("spare");
    const response = await fetch(`${stack.edge.url}/api/instances/${stack.instanceId}/price`, {
      method: "PUT",
      headers: { "content-type": "application/json", origin: stack.edge.url, cookie: stack.client.sessionCookie ?? "" },
      body: JSON.stringify({ source: "manual", hourly_price: 2.5, currency: "CNY" }),
    });
    expect(response.status).toBe(200);
  }
  await page.goto(`${stack.edge.url}/`);
  await page.waitForSelector(`[data-testid=instance-${stack.instanceId}] [data-testid=money]`, { timeout: 20_000 });
  return page;
}

describe("fleet page", () => {
  it("shows price and spend at phone width", async () => {
    const page = await openFleet("en", 390);

    await waitForText(page, `[data-testid=instance-${stack.instanceId}] [data-testid=price]`, "2.50");
    expect(await page.textContent("[data-testid=fleet-total]")).toContain("spent");
    expect(await horizontalOverflow(page)).toBe(0);
    expect(await rawKeysOnPage(page)).toEqual([]);
    await page.context().close();
  });

  it("opens the history charts from a card", async () => {
    const page = await openFleet("zh-CN", 390);

    await page.click(`[data-testid=history-open-${stack.instanceId}]`);
    await page.waitForSelector(`[data-testid=history-${stack.instanceId}] [data-range]`, { timeout: 15_000 });
    await waitForAttribute(page, `[data-testid=history-${stack.instanceId}] [data-range]`, "data-range", "1h");

    const points = Number(await page.getAttribute(`[data-testid=history-${stack.instanceId}] [data-range]`, "data-points"));
    expect(points).toBeGreaterThan(0);
    expect(await horizontalOverflow(page)).toBe(0);
    await page.context().close();
  });
});
