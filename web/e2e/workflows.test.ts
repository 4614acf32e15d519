import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { horizontalOverflow, openDashboard, rawKeysOnPage, useStackAndBrowser, waitForAttribute } from "./support";

import type { Page } from "playwright-core";

// The Workflows page in Chromium against the real stack: a workflow already in ComfyUI's
// user folder shows its missing models and packs, and an uploaded file joins the list.

const FIXTURES = fileURLToPath(new URL("../../reporter/test/fixtures/workflows/", import.meta.url));

const e2e = useStackAndBrowser(
  "workflows",
  (stateDir) => ({ stateDir, preset: "h100", stepMs: 150 }),
  async (stack) => {
    const workflows = join(stack.workspaceDir, "ComfyUI", "user", "default", "workflows");
    await mkdir(workflows, { recursive: true });
    await copyFile(join(FIXTURES, "sdxl-lora-stack.ui.json"), join(workflows, "sdxl-lora-stack.json"));
  },
);

async function openWorkflows(locale: "en" | "zh-CN", width?: number): Promise<Page> {
  const page = await openDashboard(e2e.browser, e2e.stack, width === undefined ? { locale } : { locale, width, height: 844 });
  await page.goto(`${e2e.stack.edge.url}/instances/${e2e.stack.instanceId}/workflows`);
  await page.waitForSelector("[data-testid=workflow-card]", { timeout: 30_000 });
  return page;
}

describe("workflows page", () => {
  let page: Page;

  beforeAll(async () => {
    page = await openWorkflows("en");
  });

  afterAll(async () => {
    await page.context().close();
  });

  it("lists the workflow with its missing models", async () => {
    const card = "[data-testid=workflow-card][data-path='sdxl-lora-stack.json']";
    expect(await page.locator(`${card} [data-testid=workflow-model][data-state=missing]`).count()).toBe(3);
    expect(await page.locator(`${card} [data-testid=workflow-model][data-state=optional]`).count()).toBe(2);
  });

  it("offers a search for models without a source", async () => {
    expect(await page.locator("[data-testid=search-source]").first().textContent()).toContain("No source known");
  });

  it("lists the missing node packs", async () => {
    expect(await page.locator("[data-testid=workflow-pack][data-state=missing]").count()).toBe(2);
  });

  it("adds an uploaded workflow", async () => {
    await page.setInputFiles("[data-testid=workflow-file]", join(FIXTURES, "wan-video.api.json"));
    await waitForAttribute(page, "[data-testid=workflow-card][data-path='wan-video.api.json']", "data-path", "wan-video.api.json", 30_000);
    expect(await page.locator("[data-testid=workflow-card]").count()).toBe(2);
  });

  it("shows the pull policy per folder", async () => {
    expect(await page.locator("[data-testid=pull-policy-row][data-folder=checkpoints] .n-base-selection-label").textContent()).toContain("Pull on demand");
  });
});

describe("workflows page on a phone in Chinese", () => {
  it("fits 390 px with every string translated", async () => {
    const page = await openWorkflows("zh-CN", 390);
    try {
      expect(await rawKeysOnPage(page)).toEqual([]);
      expect(await horizontalOverflow(page)).toBe(0);
    } finally {
      await page.context().close();
    }
  });
});
