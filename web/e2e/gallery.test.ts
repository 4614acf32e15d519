import { mkdir, readdir, truncate, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";

import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { horizontalOverflow, openDashboard, useStackAndBrowser, waitForText } from "./support";

import type { Page, Request } from "playwright-core";

// The Gallery page in Chromium at phone width against the real stack without a tunnel: a
// folder of 2,000 images opens on a small first page, thumbnails load only as tiles come
// into view (counted from the browser's command requests) and are generated once on the
// instance; a single image opens full size through the edge, and larger actions say they
// need a tunnel.

const COUNT = 2000;
const BASE_MS = Date.UTC(2026, 10, 20, 12);

/** Writes the output folder: 2,000 small PNGs one minute apart, and one file over the relay limit. */
async function fillOutputs(outputDir: string): Promise<void> {
  await mkdir(outputDir, { recursive: true });
  const png = await sharp({ create: { width: 320, height: 320, channels: 3, background: { r: 40, g: 120, b: 200 } } }).png().toBuffer();
  for (let index = 0; index < COUNT; index += 1) {
    const path = join(outputDir, `ComfyUI_${String(index).padStart(5, "0")}_.png`);
    await writeFile(path, png);
    const when = new Date(BASE_MS + index * 60_000);
    await utimes(path, when, when);
  }
  const large = join(outputDir, "huge_upscale.png");
  await writeFile(large, png);
  await truncate(large, 30 * 1024 * 1024);
  await utimes(large, new Date(BASE_MS - 60_000), new Date(BASE_MS - 60_000));
}

const e2e = useStackAndBrowser(
  "gallery",
  (stateDir) => ({ stateDir, preset: "h100", stepMs: 150 }),
  (stack) => fillOutputs(join(stack.workspaceDir, "ComfyUI", "output")),
);

/** Returns whether a browser request is a gallery command of the given name. */
function isCommand(request: Request, name: string): boolean {
  return request.method() === "POST" && request.url().includes("/commands") && (request.postData() ?? "").includes(`"name":"${name}"`);
}

/** Polls `check` every 100 ms; the timeout error names what was awaited. */
async function waitUntil(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) {
      throw new Error(`waited ${timeoutMs} ms for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function thumbnailFiles(): Promise<number> {
  const dir = join(e2e.stateDir, "reporter-state", "gallery", "thumbnails");
  const entries = await readdir(dir, { recursive: true }).catch(() => []);
  return entries.filter((name) => String(name).endsWith(".webp")).length;
}

describe("gallery page at 390 px without a tunnel", () => {
  let page: Page;
  const thumbnailRequests: string[] = [];
  const listRequests: string[] = [];
  let thumbnailsSettled = 0;

  beforeAll(async () => {
    page = await openDashboard(e2e.browser, e2e.stack, { locale: "en", width: 390, height: 844 });
    page.on("request", (request) => {
      if (isCommand(request, "gallery.thumbnail")) {
        thumbnailRequests.push(request.postData() ?? "");
      }
      if (isCommand(request, "gallery.list")) {
        listRequests.push(request.postData() ?? "");
      }
    });
    // A request settles when its response arrives or when it fails (a navigation cancels it).
    const settle = (request: Request) => {
      if (isCommand(request, "gallery.thumbnail")) {
        thumbnailsSettled += 1;
      }
    };
    page.on("requestfinished", settle);
    page.on("requestfailed", settle);
    await page.goto(`${e2e.stack.edge.url}/instances/${e2e.stack.instanceId}/gallery`);
    await page.waitForSelector("[data-testid=gallery-page]");
  });

  afterAll(async () => {
    await page.context().close();
  });

  it("shows the first page newest first", async () => {
    await waitForText(page, "[data-testid=gallery-count]", `of ${COUNT + 1} files`, 30_000);
    const first = await page.getAttribute("[data-testid=gallery-tile]", "data-path");
    const tiles = await page.locator("[data-testid=gallery-tile]").count();
    expect(first).toBe("ComfyUI_01999_.png");
    expect(tiles).toBe(48);
  });

  it("fits the phone width", async () => {
    expect(await horizontalOverflow(page)).toBe(0);
  });

  it("loads only visible thumbnails", async () => {
    await page.waitForSelector("[data-testid=gallery-thumbnail]", { timeout: 30_000 });
    await page.waitForTimeout(1_000);
    expect(thumbnailRequests.length).toBeGreaterThan(0);
    expect(thumbnailRequests.length).toBeLessThan(48);
  });

  it("loads more while scrolling", async () => {
    const before = thumbnailRequests.length;
    for (let step = 0; step < 6; step += 1) {
      await page.mouse.wheel(0, 2000);
      await page.waitForTimeout(300);
    }
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=gallery-tile]").length > 48, undefined, { timeout: 20_000 });
    expect(listRequests.length).toBeGreaterThan(1);
    expect(thumbnailRequests.length).toBeGreaterThan(before);
  });

  it("generates each thumbnail once", async () => {
    // Every requested thumbnail is on disk once; opening the page again at the top adds none.
    await waitUntil("every thumbnail request settled", () => thumbnailsSettled === thumbnailRequests.length, 90_000);
    const requested = new Set(thumbnailRequests).size;
    // Under load the edge may time out a command whose thumbnail the reporter still writes.
    let onDisk = await thumbnailFiles();
    const deadline = Date.now() + 60_000;
    while (onDisk < requested && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      onDisk = await thumbnailFiles();
    }
    await page.goto(`${e2e.stack.edge.url}/instances/${e2e.stack.instanceId}/gallery`);
    await page.waitForSelector("[data-testid=gallery-thumbnail]", { timeout: 30_000 });
    await waitUntil("every thumbnail request settled after reopening", () => thumbnailsSettled === thumbnailRequests.length, 90_000);
    expect(onDisk).toBe(requested);
    expect(await thumbnailFiles()).toBe(onDisk);
  });

  it("says what needs a tunnel", async () => {
    const banner = await page.textContent("[data-testid=gallery-no-tunnel]");
    expect(banner).toContain("need a tunnel");
    const upload = await page.textContent("[data-testid=gallery-upload-needs-tunnel]");
    expect(upload).toContain("Uploads need a tunnel");
  });

  it("opens one image full size", async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    const path = await page.getAttribute("[data-testid=gallery-tile]", "data-path");
    await page.click("[data-testid=gallery-tile] button.picture");
    const full = await page.waitForSelector("[data-testid=gallery-full]", { timeout: 30_000 });
    const width = await full.evaluate((image) => (image as HTMLImageElement).naturalWidth);
    expect(width).toBe(320);
    expect(await page.textContent("[data-testid=gallery-item-path]")).toBe(path);
    await page.keyboard.press("Escape");
  });

  it("explains a file over the relay limit", async () => {
    await page.fill("[data-testid=gallery-search] input", "huge_upscale");
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=gallery-tile]").length === 1, undefined, { timeout: 20_000 });
    await page.click("[data-testid=gallery-tile] button.picture");
    await waitForText(page, "[data-testid=gallery-needs-tunnel]", "Set up a tunnel", 20_000);
  });

  it("keeps zip disabled without a tunnel", async () => {
    await page.keyboard.press("Escape");
    await page.click("[data-testid=gallery-tile] .n-checkbox");
    const zip = page.locator("[data-testid=gallery-zip]");
    expect(await zip.isDisabled()).toBe(true);
  });
});
