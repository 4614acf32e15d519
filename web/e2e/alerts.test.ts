import { describe, expect, it } from "vitest";

import { horizontalOverflow, openDashboard, rawKeysOnPage, useStackAndBrowser, waitForAttribute, waitForText } from "./support";

// Alerts, the health report and the reporter log in Chromium against the real e2e.stack, on a
// phone-sized viewport.

const GIB = 1024 ** 3;

const e2e = useStackAndBrowser("alerts", (stateDir) => ({ stateDir, preset: "h100", stepMs: 40, fakeDisk: { total_bytes: 100 * GIB, used_bytes: 97 * GIB, free_bytes: 3 * GIB } }));

describe("alerts in the browser", () => {
  it("shows, lists and acknowledges the disk alert", async () => {
    const page = await openDashboard(e2e.browser, e2e.stack, { locale: "en", width: 390, height: 844 });
    await waitForAttribute(page, "[data-testid=alert-badge]", "data-worst", "critical", 45_000);

    await page.click("[data-testid=alert-badge]");
    await waitForText(page, "[data-testid=alert-text]", "Disk 97 % full");
    expect(await horizontalOverflow(page)).toBe(0);

    await page.click("[data-testid=alert-ack]");
    await page.waitForSelector("[data-testid=alert-acknowledged]", { timeout: 15_000 });
    expect(await rawKeysOnPage(page)).toEqual([]);
    await page.context().close();
  });

  it("shows health and the reporter log in Chinese", async () => {
    const page = await openDashboard(e2e.browser, e2e.stack, { locale: "zh-CN", width: 390, height: 844 });
    await page.goto(`${e2e.stack.edge.url}/instances/${e2e.stack.instanceId}/logs`);

    await waitForAttribute(page, "[data-component=edge_link]", "data-state", "ok");
    await waitForAttribute(page, "[data-component=disk]", "data-state", "down");
    await page.waitForSelector("[data-testid=log-line]", { timeout: 20_000 });
    expect(await horizontalOverflow(page)).toBe(0);
    expect(await rawKeysOnPage(page)).toEqual([]);
    await page.context().close();
  });
});
