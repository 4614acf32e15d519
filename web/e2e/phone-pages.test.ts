import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { openDashboard, useStackAndBrowser } from "./support";

import type { Page } from "playwright-core";

// Every page at a 390 px phone width in zh-CN: no sideways scrolling, cards clear of
// the screen edges, and none of Naive UI's English defaults. SCREENSHOT_DIR, when set,
// keeps a full-page screenshot and the visible text of each page for a manual look.

const PHONE_WIDTH = 390;
/** Minimum gap in CSS pixels between a card and the screen edge. */
const MIN_INSET = 8;
/** Naive UI's English defaults, which show when its zh-CN locale is not bound. */
const NAIVE_ENGLISH = /Please Input|Please Select|No Data|Select Date|Select Time/;

const e2e = useStackAndBrowser("phone-pages", (stateDir) => ({ stateDir, preset: "h100", stepMs: 150 }));

/** The pages to visit, as paths (`:id` is the stack's instance), each with an element that shows it loaded. */
const PAGES: readonly { path: string; ready: string }[] = [
  { path: "/", ready: "main" },
  { path: "/settings", ready: "[data-testid=password-section]" },
  { path: "/settings?tab=tokens", ready: "[data-testid=tokens-section]" },
  { path: "/settings?tab=enrollment", ready: "[data-testid=enrollment-section]" },
  { path: "/settings?tab=instances", ready: "[data-testid=instances-section]" },
  { path: "/settings?tab=secrets", ready: "[data-testid=secrets-section]" },
  { path: "/settings?tab=audit", ready: "[data-testid=audit-section]" },
  { path: "/alerts", ready: "main" },
  { path: "/instances/:id/overview", ready: "[data-testid=status-bar]" },
  { path: "/instances/:id/sync", ready: "[data-testid=sync-running]" },
  { path: "/instances/:id/models", ready: "[data-testid=models-page] .n-card" },
  { path: "/instances/:id/comfyui", ready: "[data-testid=comfyui-page] .n-card" },
  { path: "/instances/:id/plugins", ready: "[data-testid=plugins-page] .n-card" },
  { path: "/instances/:id/logs", ready: "[data-testid=health-panel] li" },
  { path: "/instances/:id/deploy", ready: "[data-testid=deploy-page] .n-card" },
  { path: "/instances/:id/gallery", ready: "[data-testid=gallery-page]" },
  { path: "/instances/:id/workflows", ready: "[data-testid=workflows-page] .n-card" },
  { path: "/instances/:id/tunnel", ready: "[data-testid=tunnel-status]" },
];

async function openPage(page: Page, path: string, ready: string): Promise<void> {
  await page.goto(`${e2e.stack.edge.url}${path.replace(":id", e2e.stack.instanceId)}`);
  await page.waitForSelector(ready, { timeout: 30_000 });
  // Cards below the first one fill in from their own commands.
  await page.waitForLoadState("networkidle", { timeout: 10_000 }).catch(() => undefined);

  const screenshotDir = process.env.SCREENSHOT_DIR;
  if (screenshotDir !== undefined && screenshotDir !== "") {
    await mkdir(screenshotDir, { recursive: true });
    const name = path === "/" ? "fleet" : (path.split("/").at(-1) ?? "page").replace("?tab=", "-");
    await page.screenshot({ path: join(screenshotDir, `${name}-${PHONE_WIDTH}.png`), fullPage: true });
    await writeFile(join(screenshotDir, `${name}.txt`), await page.evaluate(() => document.body.innerText));
  }
}

describe("pages at 390 px in zh-CN", () => {
  let page: Page;

  beforeAll(async () => {
    page = await openDashboard(e2e.browser, e2e.stack, { locale: "zh-CN", width: PHONE_WIDTH, height: 844 });
  });

  afterAll(async () => {
    await page.context().close();
  });

  for (const { path, ready } of PAGES) {
    it(`${path} fits the width with margins`, async () => {
      await openPage(page, path, ready);

      const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);

      expect(scrollWidth, `${path} scrolls sideways`).toBeLessThanOrEqual(PHONE_WIDTH);

      const edges = await page.evaluate(() => [...document.querySelectorAll("#app .n-card")].map((card) => card.getBoundingClientRect()).map((box) => ({ left: box.left, right: box.right })));

      for (const edge of edges) {
        expect(edge.left, `${path} has a card at x=${edge.left}`).toBeGreaterThanOrEqual(MIN_INSET);
        expect(edge.right, `${path} has a card ending at x=${edge.right}`).toBeLessThanOrEqual(PHONE_WIDTH - MIN_INSET);
      }

      const texts = await page.evaluate(() => [document.body.innerText, ...[...document.querySelectorAll("[placeholder]")].map((field) => field.getAttribute("placeholder") ?? "")].join("\n"));
      expect(texts, `${path} shows Naive UI's English defaults`).not.toMatch(NAIVE_ENGLISH);
    });
  }
});

describe("login at 390 px in zh-CN", () => {
  it("fits the width in Chinese", async () => {
    const context = await e2e.browser.newContext({ viewport: { width: PHONE_WIDTH, height: 844 } });
    await context.addInitScript(() => localStorage.setItem("comfycarry.locale", "zh-CN"));
    const page = await context.newPage();

    await openPage(page, "/login", "[data-testid=login-password]");

    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE_WIDTH);
    expect(await page.evaluate(() => document.body.innerText)).toMatch(/\p{Script=Han}/u);
    await context.close();
  });
});
