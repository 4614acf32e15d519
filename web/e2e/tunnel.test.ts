import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { startFakeQuickService } from "@comfycarry/fake-cloudflare-api";
import type { FakeQuickService } from "@comfycarry/fake-cloudflare-api";
import { FAKE_CLOUDFLARED } from "@comfycarry/fake-cloudflared";
import { Pm2Cli, Stack, waitFor } from "@comfycarry/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { assertDashboardBuilt, horizontalOverflow, launchChromium, openDashboard, waitForText } from "./support";

import type { Browser, Page } from "playwright-core";

// The Tunnel page in Chromium against the real stack, with the fake cloudflared on the
// reporter's side and a loopback quick-tunnel service in place of trycloudflare.com.

let stack: Stack;
let stateDir = "";
let browser: Browser;
let quick: FakeQuickService;
let stackStarted = false;

beforeAll(async () => {
  assertDashboardBuilt();
  execFileSync(process.execPath, ["build.mjs"], { cwd: join(dirname(FAKE_CLOUDFLARED), "..") });
  quick = await startFakeQuickService();
  stateDir = await mkdtemp(join(tmpdir(), "comfycarry-tunnel-e2e-"));
  stack = await Stack.start({
    stateDir,
    preset: "h100",
    stepMs: 40,
    reporterEnv: {
      COMFYCARRY_CLOUDFLARED_BIN: FAKE_CLOUDFLARED,
      COMFYCARRY_TUNNEL_QUICK_SERVICE: quick.url,
      FAKE_CLOUDFLARED_SEARCH_DIRS: "",
      FAKE_CLOUDFLARED_REGISTER_DELAY_MS: "100",
    },
  });
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
  await (quick as FakeQuickService | undefined)?.close();
  if (stateDir !== "") {
    await rm(stateDir, { recursive: true, force: true });
  }
});

async function openTunnelPage(page: Page): Promise<void> {
  await page.goto(`${stack.edge.url}/instances/${stack.instanceId}/tunnel`);
  await page.waitForSelector("[data-testid=tunnel-status]", { timeout: 20_000 });
}

function lastQuickUrl(): string {
  return `https://${quick.requests.at(-1)?.hostname ?? "none"}`;
}

describe("Tunnel page", () => {
  it("starts a quick tunnel and shows its URL on the overview", async () => {
    const page = await openDashboard(browser, stack, { locale: "en" });
    await openTunnelPage(page);
    await page.click("[data-testid=tunnel-save]");
    await page.waitForSelector("[data-testid=tunnel-start]", { timeout: 30_000 });
    await page.click("[data-testid=tunnel-start]");
    await waitForText(page, "[data-testid=tunnel-links]", ".trycloudflare.com", 30_000);
    const url = lastQuickUrl();
    await waitForText(page, "[data-testid=tunnel-status-tag]", "Online", 30_000);

    await page.goto(`${stack.edge.url}/instances/${stack.instanceId}/overview`);
    await page.waitForSelector(`[data-testid=quick-links] a[href="${url}"]`, { timeout: 30_000 });
    await waitForText(page, "[data-testid=badge-tunnel]", "Online", 30_000);
    await page.context().close();
  });

  it("shows the new URL after a restart", async () => {
    const page = await openDashboard(browser, stack, { locale: "en" });
    await openTunnelPage(page);
    const before = lastQuickUrl();
    const requests = quick.requests.length;
    await page.click("[data-testid=tunnel-restart]");
    await waitFor("a new quick tunnel request", () => Promise.resolve(quick.requests.length > requests), 30_000);
    await waitForText(page, "[data-testid=tunnel-links]", lastQuickUrl(), 30_000);

    expect(lastQuickUrl()).not.toBe(before);
    expect(await page.textContent("[data-testid=tunnel-links]")).not.toContain(before);
    await page.context().close();
  });

  it("shows the rate limit in Chinese on a phone", async () => {
    quick.rateLimited = true;
    const page = await openDashboard(browser, stack, { locale: "zh-CN", width: 390, height: 844 });
    await openTunnelPage(page);
    await page.click("[data-testid=tunnel-restart]");
    await waitForText(page, "[data-testid=tunnel-rate-limit]", "Cloudflare 限流", 30_000);

    expect(await page.textContent("[data-testid=tunnel-status-tag]")).toBe("已被限流");
    expect(await horizontalOverflow(page)).toBe(0);
    quick.rateLimited = false;
    await page.context().close();
  });
});
