import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

import { queuePrompt, waitFor } from "@comfycarry/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { horizontalOverflow, openDashboard, useStackAndBrowser, waitForAttribute, waitForText } from "./support";

import type { Page } from "playwright-core";

// Cloud sync in Chromium against the real stack: a local-disk rclone remote added by
// pasting rclone.conf, the "outputs → remote" preset, a prompt on the simulator whose
// image the watch rule uploads, and "all synced" on the overview.

const e2e = useStackAndBrowser("sync", (stateDir) => ({ stateDir, preset: "h100", stepMs: 40, sync: { watchStableMs: 400 } }));

/** Files uploaded by the outputs preset, which puts them under comfycarry/output on the remote. */
function uploadedOutputs(): string[] {
  const dir = join(e2e.stack.syncRemoteDir, "comfycarry", "output");
  return existsSync(dir) ? readdirSync(dir) : [];
}

describe("sync page", () => {
  let page: Page;

  beforeAll(async () => {
    page = await openDashboard(e2e.browser, e2e.stack, { locale: "en" });
    await page.goto(`${e2e.stack.edge.url}/instances/${e2e.stack.instanceId}/sync`);
    await waitForAttribute(page, "[data-testid=sync-engine-state]", "data-level", "green", 60_000);
  });

  afterAll(async () => {
    await page.context().close();
  });

  it("adds a remote from pasted rclone.conf", async () => {
    await page.click("[data-testid=sync-remote-add]");
    await page.fill("[data-testid=sync-paste-text] textarea", e2e.stack.localRemoteConf());
    await page.click("[data-testid=sync-paste-save]");
    await waitForText(page, "[data-testid=sync-remote-local]", "alias");
  });

  it("tests the remote in plain words", async () => {
    await page.click("[data-testid=sync-remote-test-local]");
    await waitForAttribute(page, "[data-testid=sync-remote-result-local]", "data-ok", "true");
    expect(await page.textContent("[data-testid=sync-remote-result-local]")).toContain("Reachable");
  });

  it("creates the outputs preset", async () => {
    await page.click("[data-testid=sync-preset-create]");
    await waitForText(page, "[data-testid=sync-rules]", "Outputs to remote");
    expect(await page.textContent("[data-testid=sync-rules]")).toContain("watching");
  });

  it("shows the job of a new output live", async () => {
    // A one-image upload takes well under a second, so record that the progress block appeared at all.
    await page.evaluate(() => {
      const flags = window as unknown as { sawSyncJob: boolean };
      flags.sawSyncJob = false;
      new MutationObserver(() => {
        if (document.querySelector("[data-testid=sync-job-progress]") !== null) {
          flags.sawSyncJob = true;
        }
      }).observe(document.body, { subtree: true, childList: true });
    });
    const before = uploadedOutputs().length;
    await queuePrompt(e2e.stack.comfyuiProxyUrl, { steps: 4 });

    await waitFor("the new image on the remote", () => Promise.resolve(uploadedOutputs().length > before), 30_000);
    expect(await page.evaluate(() => (window as unknown as { sawSyncJob: boolean }).sawSyncJob)).toBe(true);
  });

  it("lists the upload in the job history", async () => {
    await waitForText(page, "[data-testid=sync-jobs]", "1 file(s)");
  });

  it("fits a 390 px screen", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await horizontalOverflow(page)).toBe(0);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("shows no raw message keys", async () => {
    const text = await page.evaluate(() => document.body.innerText);
    expect(text.match(/\bsync\.[a-z]+\.[A-Za-z_]+/g) ?? []).toEqual([]);
  });
});

describe("overview after sync", () => {
  let page: Page;

  beforeAll(async () => {
    page = await openDashboard(e2e.browser, e2e.stack, { locale: "en" });
  });

  afterAll(async () => {
    await page.context().close();
  });

  it("says all synced", async () => {
    await waitForAttribute(page, "[data-testid=sync-safe]", "data-level", "green", 30_000);
    expect(await page.textContent("[data-testid=sync-safe]")).toContain("All synced");
  });

  it("colours the sync badge green", async () => {
    await waitForAttribute(page, "[data-testid=badge-sync]", "data-level", "green");
  });
});
