import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { Pm2Cli, Stack } from "@comfycarry/stack";
import { chromium } from "playwright-core";
import { afterAll, beforeAll } from "vitest";

import type { StackOptions } from "@comfycarry/stack";
import type { Browser, Page } from "playwright-core";

// Shared steps of the browser tests: the system Chromium, a logged-in page, and waits
// that name what they waited for when they time out.

/** Throws when web/dist contains the edge's placeholder page instead of a dashboard build. */
export function assertDashboardBuilt(): void {
  const index = readFileSync(new URL("../dist/index.html", import.meta.url), "utf8");
  if (!index.includes("/assets/index-")) {
    throw new Error("web/dist holds no dashboard build: run `npm run build -w web` before the browser tests");
  }
}

/** Starts the system Chromium; CHROMIUM_PATH overrides /usr/bin/chromium. Never a downloaded browser. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
}

/** Options for `openDashboard`. */
export interface OpenOptions {
  locale: "en" | "zh-CN";
  width?: number;
  height?: number;
}

/** Opens a fresh browser context in `locale`, logs in, and returns the page on the instance's overview. */
export async function openDashboard(browser: Browser, stack: Stack, options: OpenOptions): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: options.width ?? 1280, height: options.height ?? 900 } });
  await context.addInitScript((locale) => {
    localStorage.setItem("comfycarry.locale", locale);
    localStorage.setItem("comfycarry.theme", "light");
  }, options.locale);

  const page = await context.newPage();
  await page.goto(`${stack.edge.url}/login`);
  await page.fill("[data-testid=login-password] input", stack.password);
  await page.click("[data-testid=login-submit]");
  await page.waitForURL(/\/instances\/[^/]+\/overview$/, { timeout: 15_000 });
  await page.waitForSelector("[data-testid=status-bar]", { timeout: 15_000 });
  return page;
}

/** Waits until `selector`'s attribute has `value`; the timeout error names both. */
export async function waitForAttribute(page: Page, selector: string, attribute: string, value: string, timeout = 20_000): Promise<void> {
  try {
    await page.waitForFunction(
      ([s, a, v]) => document.querySelector(s ?? "")?.getAttribute(a ?? "") === v,
      [selector, attribute, value],
      { timeout, polling: 100 },
    );
  } catch (error) {
    const actual = await page.getAttribute(selector, attribute).catch(() => null);
    throw new Error(`waited ${timeout} ms for ${selector} [${attribute}] to be "${value}", it is "${actual ?? "absent"}"`, { cause: error });
  }
}

/** Waits until `selector`'s text contains `text`. */
export async function waitForText(page: Page, selector: string, text: string, timeout = 20_000): Promise<void> {
  try {
    await page.waitForFunction(([s, t]) => document.querySelector(s ?? "")?.textContent?.includes(t ?? "") === true, [selector, text], { timeout, polling: 100 });
  } catch (error) {
    const actual = await page.textContent(selector).catch(() => null);
    throw new Error(`waited ${timeout} ms for ${selector} to contain "${text}", it reads "${actual ?? "absent"}"`, { cause: error });
  }
}

/** i18n keys that leaked into the page: dotted words that start with one of our top-level message groups. */
export async function rawKeysOnPage(page: Page): Promise<string[]> {
  const text = await page.evaluate(() => document.body.innerText);
  const pattern = /\b(?:app|header|login|fleet|instance|link|stale|overview|quickLinks|status|metrics|activity|services|env|trends|age|notFound|errors)\.[A-Za-z_]+/g;
  return [...text.matchAll(pattern)].map((match) => match[0]);
}

/** Horizontal overflow of the page in CSS pixels; 0 means no sideways scrolling. */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** The stack and browser of one test file, readable once its `beforeAll` has run. */
export interface E2eStack {
  readonly stack: Stack;
  readonly browser: Browser;
  readonly stateDir: string;
}

/**
 * Starts a stack of its own and Chromium before the file's tests, and stops both and removes
 * the state after them, also when the start failed halfway. `options` receives the state dir;
 * `afterStart` prepares the running stack (files in its workspace) before the browser starts.
 */
export function useStackAndBrowser(
  name: string,
  options: (stateDir: string) => StackOptions | Promise<StackOptions>,
  afterStart: (stack: Stack) => Promise<void> = () => Promise.resolve(),
): E2eStack {
  let stack: Stack | null = null;
  let browser: Browser | null = null;
  let stateDir = "";

  beforeAll(async () => {
    assertDashboardBuilt();
    stateDir = await mkdtemp(join(tmpdir(), `comfycarry-${name}-e2e-`));
    const started = await Stack.start(await options(stateDir));
    stack = started;
    await afterStart(started);
    browser = await launchChromium();
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    if (stack !== null) {
      await stack.stop();
    } else if (stateDir !== "") {
      await new Pm2Cli(join(stateDir, "pm2")).kill();
    }
    if (stateDir !== "") {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  return {
    get stack(): Stack {
      if (stack === null) {
        throw new Error(`the ${name} e2e stack is not running`);
      }
      return stack;
    },
    get browser(): Browser {
      if (browser === null) {
        throw new Error(`the ${name} e2e browser is not running`);
      }
      return browser;
    },
    get stateDir(): string {
      return stateDir;
    },
  };
}
