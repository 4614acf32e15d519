import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Pm2Cli, Stack } from "@comfycarry/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { assertDashboardBuilt, horizontalOverflow, launchChromium, openDashboard, rawKeysOnPage, waitForAttribute, waitForText } from "./support";

import type { Browser } from "playwright-core";

// Alerts, the health report and the reporter log in Chromium against the real stack, on a
// phone-sized viewport.

const GIB = 1024 ** 3;

let stack: Stack;
let stateDir = "";
let browser: Browser;
let stackStarted = false;

beforeAll(async () => {
  assertDashboardBuilt();
  stateDir = await mkdtemp(join(tmpdir(), "comfycarry-alerts-e2e-"));
  stack = await Stack.start({ stateDir, preset: "h100", stepMs: 40, fakeDisk: { total_bytes: 100 * GIB, used_bytes: 97 * GIB, free_bytes: 3 * GIB } });
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

describe("alerts in the browser", () => {
  it("shows, lists and acknowledges the disk alert", async () => {
    const page = await openDashboard(browser, stack, { locale: "en", width: 390, height: 844 });
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
    const page = await openDashboard(browser, stack, { locale: "zh-CN", width: 390, height: 844 });
    await page.goto(`${stack.edge.url}/instances/${stack.instanceId}/logs`);

    await waitForAttribute(page, "[data-component=edge_link]", "data-state", "ok");
    await waitForAttribute(page, "[data-component=disk]", "data-state", "down");
    await page.waitForSelector("[data-testid=log-line]", { timeout: 20_000 });
    expect(await horizontalOverflow(page)).toBe(0);
    expect(await rawKeysOnPage(page)).toEqual([]);
    await page.context().close();
  });
});
