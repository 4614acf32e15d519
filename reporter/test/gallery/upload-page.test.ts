import { join } from "node:path";

import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { GalleryFeature } from "../../src/gallery/feature.js";
import { makeGalleryDirs, serveRoutes, startTestGallery } from "./helpers.js";
import type { GalleryDirs } from "./helpers.js";
import { makeModelFile, sha256Of } from "./tus-client.js";

// The upload page the dashboard opens on the access proxy, in Chromium: it loads
// tus-js-client under its strict CSP and uploads a model into the chosen folder.

let dirs: GalleryDirs;
let feature: GalleryFeature;
let server: Awaited<ReturnType<typeof serveRoutes>>;
let browser: Browser;

beforeAll(async () => {
  dirs = await makeGalleryDirs();
  feature = await startTestGallery(dirs);
  server = await serveRoutes(feature);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
});

afterAll(async () => {
  await (browser as Browser | undefined)?.close();
  await server.close();
  await dirs.cleanup();
});

describe("gallery upload page", () => {
  it("uploads a model from the browser", async () => {
    const source = join(dirs.root, "browser-lora.safetensors");
    const expected = await makeModelFile(source, 6 * 1024 * 1024);
    const page = await browser.newPage({ locale: "zh-CN" });
    const problems: string[] = [];
    page.on("console", (message) => {
      if (message.type() === "error") {
        problems.push(message.text());
      }
    });
    page.on("pageerror", (error) => problems.push(error.message));

    await page.goto(`${server.url}/__cc/gallery/upload?target=model&folder=loras`);
    await page.setInputFiles("#file", source);
    await page.click("#start");
    await page.locator("#status").filter({ hasText: "browser-lora" }).waitFor({ timeout: 60_000 });

    expect(await page.textContent("#title")).toBe("上传到实例");
    expect(await page.textContent("#status")).toContain("已上传");
    expect(problems).toEqual([]);
    expect(await sha256Of(join(dirs.models, "loras", "browser-lora.safetensors"))).toBe(expected);
    await page.close();
  });
});
