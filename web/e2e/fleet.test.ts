import { describe, expect, it } from "vitest";

import { horizontalOverflow, openDashboard, rawKeysOnPage, useStackAndBrowser, waitForAttribute, waitForText } from "./support";

import type { Page } from "playwright-core";

// The fleet page in Chromium against the real stack: one live instance with a price and one
// that never connected, at phone width, with the history charts opened from a card.

const e2e = useStackAndBrowser("fleet", (stateDir) => ({ stateDir, preset: "h100", stepMs: 40 }));

/** Logs in a new page; with two instances the login lands on the fleet page, not an overview. */
async function logIn(locale: "en" | "zh-CN", width: number): Promise<Page> {
  const context = await e2e.browser.newContext({ viewport: { width, height: 844 } });
  await context.addInitScript((chosen) => {
    localStorage.setItem("comfycarry.locale", chosen);
    localStorage.setItem("comfycarry.theme", "light");
  }, locale);
  const page = await context.newPage();
  await page.goto(`${e2e.stack.edge.url}/login`);
  await page.fill("[data-testid=login-password] input", e2e.stack.password);
  await page.click("[data-testid=login-submit]");
  await page.waitForURL((url) => url.pathname !== "/login", { timeout: 15_000 });
  return page;
}

/** Adds a second instance and a price once (the first login opens the only instance), then opens the fleet. */
async function openFleet(locale: "en" | "zh-CN", width: number): Promise<Page> {
  const instances = await e2e.stack.client.instances();
  const page = instances.length < 2 ? await openDashboard(e2e.browser, e2e.stack, { locale, width, height: 844 }) : await logIn(locale, width);
  if (instances.length < 2) {
    await e2e.stack.client.createInstance("spare");
    const response = await fetch(`${e2e.stack.edge.url}/api/instances/${e2e.stack.instanceId}/price`, {
      method: "PUT",
      headers: { "content-type": "application/json", origin: e2e.stack.edge.url, cookie: e2e.stack.client.sessionCookie ?? "" },
      body: JSON.stringify({ source: "manual", hourly_price: 2.5, currency: "CNY" }),
    });
    expect(response.status).toBe(200);
  }
  await page.goto(`${e2e.stack.edge.url}/`);
  await page.waitForSelector(`[data-testid=instance-${e2e.stack.instanceId}] [data-testid=money]`, { timeout: 20_000 });
  return page;
}

describe("fleet page", () => {
  it("shows price and spend at phone width", async () => {
    const page = await openFleet("en", 390);

    await waitForText(page, `[data-testid=instance-${e2e.stack.instanceId}] [data-testid=price]`, "2.50");
    expect(await page.textContent("[data-testid=fleet-total]")).toContain("spent");
    expect(await horizontalOverflow(page)).toBe(0);
    expect(await rawKeysOnPage(page)).toEqual([]);
    await page.context().close();
  });

  it("opens the history charts from a card", async () => {
    const page = await openFleet("zh-CN", 390);

    await page.click(`[data-testid=history-open-${e2e.stack.instanceId}]`);
    await page.waitForSelector(`[data-testid=history-${e2e.stack.instanceId}] [data-range]`, { timeout: 15_000 });
    await waitForAttribute(page, `[data-testid=history-${e2e.stack.instanceId}] [data-range]`, "data-range", "1h");

    const points = Number(await page.getAttribute(`[data-testid=history-${e2e.stack.instanceId}] [data-range]`, "data-points"));
    expect(points).toBeGreaterThan(0);
    expect(await horizontalOverflow(page)).toBe(0);
    await page.context().close();
  });
});
