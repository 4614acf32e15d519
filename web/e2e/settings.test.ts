import { COMFY_SERVICE, waitFor } from "@comfycarry/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { horizontalOverflow, openDashboard, useStackAndBrowser, waitForText } from "./support";

import type { Page } from "playwright-core";

// The Settings page in Chromium against the real e2e.stack. This file starts its own e2e.stack, so
// the password change here cannot reach other test files. The test still changes it back.

const e2e = useStackAndBrowser("settings", (stateDir) => ({ stateDir, preset: "h100", stepMs: 40 }));

/** Opens one Settings tab and waits for its section. */
async function openTab(page: Page, tab: string, section: string): Promise<void> {
  await page.goto(`${e2e.stack.edge.url}/settings?tab=${tab}`);
  await page.waitForSelector(`[data-testid=${section}]`, { timeout: 15_000 });
}

/** Clicks the positive button of the open confirmation dialog. */
async function confirmDialog(page: Page): Promise<void> {
  await page.click(".n-dialog__action button:last-child");
}

/** Logs in from Node.js and returns the HTTP status. */
async function loginStatus(password: string): Promise<number> {
  const response = await fetch(`${e2e.stack.edge.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: e2e.stack.edge.url },
    body: JSON.stringify({ password }),
  });
  return response.status;
}

/** Lists the instances with an API token and returns the HTTP status. */
async function instancesStatusWith(token: string): Promise<number> {
  const response = await fetch(`${e2e.stack.edge.url}/api/instances`, { headers: { authorization: `Bearer ${token}` } });
  return response.status;
}

describe("settings page", () => {
  let page: Page;

  beforeAll(async () => {
    page = await openDashboard(e2e.browser, e2e.stack, { locale: "en" });
  });

  afterAll(async () => {
    await page.context().close();
  });

  it("opens from the header", async () => {
    await page.click("[data-testid=settings-link]");
    await page.waitForURL(/\/settings/);
    expect(await page.isVisible("[data-testid=password-section]")).toBe(true);
  });

  it("lists a command sent from the overview in the audit log", async () => {
    await page.goto(`${e2e.stack.edge.url}/instances/${e2e.stack.instanceId}/overview`);
    await page.click(`[data-testid='service.restart-${COMFY_SERVICE}']`);
    await page.waitForSelector(".n-message", { timeout: 60_000 });

    const entry = `[data-testid=audit-entry][data-action='service.restart']`;
    await waitFor(
      "the service.restart entry in the audit log",
      async () => {
        await openTab(page, "audit", "audit-list");
        return (await page.waitForSelector(entry, { timeout: 2_000 }).catch(() => null)) !== null;
      },
      60_000,
    );
    const text = await page.textContent(entry);
    expect(text).toContain("Owner");
    expect(text).toContain("OK");
  });

  it("creates an API token that lists the instances", async () => {
    await openTab(page, "tokens", "tokens-section");
    await page.fill("[data-testid=token-name] input", "e2e script");
    await page.click("[data-testid=token-scope-read]");
    await page.click("[data-testid=token-create]");
    await page.waitForSelector("[data-testid=token-created]");

    const token = (await page.textContent("[data-testid=token-created] [data-testid=shown-once-value] [data-testid=copy-value]")) ?? "";
    expect(token).toMatch(/^cca_/);
    expect(await page.textContent("[data-testid=token-curl]")).toContain(`Authorization: Bearer ${token}`);

    const response = await fetch(`${e2e.stack.edge.url}/api/instances`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await response.json()) as { instances: { instance_id: string }[] };
    expect(body.instances.map((item) => item.instance_id)).toContain(e2e.stack.instanceId);

    // The list shows the use just made.
    await openTab(page, "tokens", "token-list");
    await waitForText(page, "[data-testid=token-list] [data-testid=last-used]", "last used");

    await page.click("[data-testid=token-list] [data-testid=token-revoke]");
    await confirmDialog(page);
    await page.waitForSelector("[data-testid=token-list] li", { state: "detached" });
    expect(await instancesStatusWith(token)).toBe(401);
  });

  it("creates an enrollment key with its on-start line", async () => {
    await openTab(page, "enrollment", "enrollment-section");
    await page.fill("[data-testid=enrollment-name] input", "vast.ai template");
    await page.click("[data-testid=enrollment-create]");
    await page.waitForSelector("[data-testid=enrollment-created]");
    await page.fill("[data-testid=enrollment-instance-name] input", "Studio 4090");

    const key = (await page.textContent("[data-testid=enrollment-created] [data-testid=shown-once-value] [data-testid=copy-value]")) ?? "";
    expect(key).toMatch(/^cce_/);
    await waitForText(page, "[data-testid=enrollment-line]", `EDGE_URL=${e2e.stack.edge.url} ENROLL_KEY=${key} INSTANCE_NAME='Studio 4090' bash bootstrap.sh`);
    expect(await page.textContent("[data-testid=enrollment-list]")).toContain("vast.ai template");
  });

  it("stores a secret and shows only that it is set", async () => {
    const value = "hf_e2eSecretValue4711";
    await openTab(page, "secrets", "secrets-section");
    await page.click("[data-testid=secret-hf_token] [data-testid=secret-edit]");
    await page.fill("[data-testid=secret-input] input", value);
    await page.click("[data-testid=secret-save]");
    await waitForText(page, "[data-testid=secret-hf_token] [data-testid=secret-status]", "Set");

    expect(await page.content()).not.toContain(value);
    await openTab(page, "secrets", "secrets-section");
    await waitForText(page, "[data-testid=secret-hf_token] [data-testid=secret-status]", "Set");
    expect(await page.content()).not.toContain(value);
  });

  it("changes the password: the old one fails, the new one works", async () => {
    const next = "e2e-new-password-1";
    await changePassword(page, e2e.stack.password, next);
    expect(await loginStatus(e2e.stack.password)).toBe(401);
    expect(await loginStatus(next)).toBe(204);

    // This browser kept its session, so changing back works without a new login.
    await changePassword(page, next, e2e.stack.password);
    expect(await loginStatus(e2e.stack.password)).toBe(204);
  });

  it("signs out everywhere", async () => {
    await openTab(page, "account", "sessions-section");
    await page.click("[data-testid=sign-out-everywhere]");
    await confirmDialog(page);
    await page.waitForURL(/\/login/);

    const status = await page.evaluate(async () => (await fetch("/api/auth/session")).status);
    expect(status).toBe(401);
  });
});

async function changePassword(page: Page, current: string, next: string): Promise<void> {
  await openTab(page, "account", "password-section");
  await page.fill("[data-testid=password-current] input", current);
  await page.fill("[data-testid=password-new] input", next);
  await page.fill("[data-testid=password-repeat] input", next);
  await page.click("[data-testid=password-submit]");
  await waitForText(page, ".n-message-container", "Password changed");
}

describe("settings on a phone", () => {
  let page: Page;

  beforeAll(async () => {
    page = await openDashboard(e2e.browser, e2e.stack, { locale: "zh-CN", width: 390, height: 844 });
    // Runs after openDashboard's own init script, so dark wins over its light.
    await page.context().addInitScript(() => localStorage.setItem("comfycarry.theme", "dark"));
  });

  afterAll(async () => {
    await page.context().close();
  });

  it.each(["account", "tokens", "enrollment", "instances", "secrets", "audit"])("fits 390 px in zh-CN and dark on the %s tab", async (tab) => {
    await page.goto(`${e2e.stack.edge.url}/settings?tab=${tab}`);
    await page.waitForSelector("[data-testid=settings-tabs] .n-card", { timeout: 15_000 });
    await page.waitForLoadState("networkidle");

    expect(await page.getAttribute("html", "data-theme")).toBe("dark");
    expect(await horizontalOverflow(page)).toBe(0);
    const text = await page.evaluate(() => document.body.innerText);
    expect(text.match(/\b(?:settings|setup|errors)\.[A-Za-z_.]+/g) ?? []).toEqual([]);
  });
});
