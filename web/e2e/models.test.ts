import { startModelHosts } from "@comfycarry/stack";
import type { ModelHosts } from "@comfycarry/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { horizontalOverflow, openDashboard, rawKeysOnPage, useStackAndBrowser, waitForText } from "./support";

import type { Page } from "playwright-core";

// The Models page in Chromium against the real stack, with the reporter pointed at the
// loopback fakes of CivitAI and Hugging Face. The test pastes a link, checks it, downloads
// it with aria2, watches the progress and finds the file in the library.

let hosts: ModelHosts | null = null;

const e2e = useStackAndBrowser("models", async (stateDir) => {
  hosts = await startModelHosts();
  return { stateDir, preset: "h100", stepMs: 150, reporterEnv: hosts.env };
});

afterAll(async () => {
  await hosts?.close();
});

/** Returns the model host fakes, which start with the stack. */
function fakes(): ModelHosts {
  if (hosts === null) {
    throw new Error("the model host fakes are not running");
  }
  return hosts;
}

/** Waits until the first element matching `selector` has a number in 1–99 followed by "%". */
async function waitForPartialPercent(page: Page, selector: string, timeout = 30_000): Promise<number> {
  const handle = await page.waitForFunction(
    (s) => {
      const match = /(\d+)%/.exec(document.querySelector(s)?.textContent ?? "");
      const value = match === null ? null : Number(match[1]);
      return value !== null && value > 0 && value < 100 ? value : null;
    },
    selector,
    { timeout, polling: 100 },
  );
  return Number(await handle.jsonValue());
}

describe("models page", () => {
  let page: Page;

  beforeAll(async () => {
    page = await openDashboard(e2e.browser, e2e.stack, { locale: "en" });
    await page.click(`a[href="/instances/${e2e.stack.instanceId}/models"]`);
    await page.waitForSelector("[data-testid=models-page]");
  });

  afterAll(async () => {
    await page.context().close();
  });

  it("shows a pasted CivitAI link before starting", async () => {
    await page.click("text=Add a link");
    await page.fill("[data-testid=add-url] input", fakes().civitaiLink);
    await page.click("[data-testid=add-preview]");
    await waitForText(page, "[data-testid=preview-name]", fakes().loraFileName);

    expect(await page.textContent("[data-testid=preview-url]")).toBe(`${fakes().civitai.origin}/api/download/models/111`);
    expect(await page.textContent("[data-testid=preview-size]")).toBe("96 MiB");
    expect(await page.textContent("[data-testid=preview-folder]")).toBe("loras/SDXL 1.0");
    expect(await page.textContent("[data-testid=preview-files]")).toContain("inkwash_vae.safetensors");
  });

  it("shows live progress in the queue", async () => {
    await page.click("[data-testid=add-start]");
    await waitForText(page, "[data-testid=queue-job] [data-testid=job-name]", fakes().loraFileName);
    const percent = await waitForPartialPercent(page, "[data-testid=queue-job] [data-testid=job-percent]");
    expect(percent).toBeGreaterThan(0);
    expect(await page.textContent("[data-testid=queue-job] [data-testid=job-figures]")).toMatch(/MiB\/s/);
  });

  it("shows the download in the overview's activity feed", async () => {
    await page.click(`a[href="/instances/${e2e.stack.instanceId}/overview"]`);
    await waitForText(page, "[data-testid=activity-download]", fakes().loraFileName);
    expect(await page.textContent("[data-testid=activity-download]")).toMatch(/MiB\/s/);
  });

  it("finds the finished file in the library", async () => {
    await page.click(`a[href="/instances/${e2e.stack.instanceId}/models"]`);
    await page.waitForSelector("[data-testid=models-page]");
    await waitForText(page, "[data-testid=queue-history]", "History (1)", 60_000);
    await page.waitForSelector(`[data-testid=library-item][data-name="${fakes().loraFileName}"]`, { timeout: 30_000 });

    // The library looks the hash up on (fake) CivitAI and then lists the file under its model name.
    await waitForText(page, `[data-testid=library-item][data-name="${fakes().loraFileName}"]`, "Ink Wash Style", 30_000);

    await page.click(`[data-testid=library-item][data-name="${fakes().loraFileName}"]`);
    await page.waitForSelector("[data-testid=details-sha256]", { timeout: 30_000 });
    expect(await page.textContent("[data-testid=details-sha256]")).toBe(await fakes().loraSha256());
    expect(await page.textContent("[data-testid=details-civitai-model]")).toBe("Ink Wash Style");
    expect(await rawKeysOnPage(page)).toEqual([]);
  });
});

describe("models page on a phone", () => {
  it("fits 390 px in Chinese", async () => {
    const page = await openDashboard(e2e.browser, e2e.stack, { locale: "zh-CN", width: 390, height: 844 });
    try {
      await page.goto(`${e2e.stack.edge.url}/instances/${e2e.stack.instanceId}/models`);
      await page.waitForSelector("[data-testid=library]");
      for (const tab of ["添加链接", "CivitAI 搜索", "Hugging Face 浏览", "模型库"]) {
        await page.click(`text=${tab}`);
        expect(await horizontalOverflow(page)).toBe(0);
      }
      const text = await page.evaluate(() => document.body.innerText);
      expect(text.match(/\bmodels\.[A-Za-z_.]+/g) ?? []).toEqual([]);
    } finally {
      await page.context().close();
    }
  });
});
