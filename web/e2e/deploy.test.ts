import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { paths, Stack, waitFor } from "@comfycarry/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { buildDeployFixtures } from "../../tools/deploy-fixtures/src/index.js";
import { assertDashboardBuilt, horizontalOverflow, launchChromium, openDashboard, waitForAttribute, waitForText } from "./support";

import type { DeployFixtures } from "../../tools/deploy-fixtures/src/index.js";
import type { Browser, Page } from "playwright-core";

// The setup wizard in Chromium against the real stack, whose workspace holds only a ComfyUI
// checkout of a local repository (main.py starts the simulator): the wizard's fresh deploy
// builds its venv, installs two fixture node packs from local git repositories with pip
// restricted to local wheels, and starts ComfyUI under PM2. Then a realistic export of the earlier ComfyCarry is
// imported and must pre-fill the wizard.

let stack: Stack;
let stateDir = "";
let fixtures: DeployFixtures;
let browser: Browser;
let stackStarted = false;

const run = promisify(execFile);

/** Waits for the next wizard step's title, so a click on Next has landed. */
async function next(page: Page, title: string): Promise<void> {
  await page.click("[data-testid=deploy-next]");
  await waitForText(page, "[data-testid=deploy-step-title]", title);
}

beforeAll(async () => {
  assertDashboardBuilt();
  stateDir = await mkdtemp(join(tmpdir(), "cc-e2e-deploy-"));
  const fixtureDir = join(stateDir, "fixtures");
  await mkdir(fixtureDir, { recursive: true });
  fixtures = buildDeployFixtures(fixtureDir, process.execPath, paths.simulatorEntry);
  // The container already has a ComfyUI checkout, as vast.ai and RunPod ComfyUI templates ship
  // one, so the deploy adopts it and builds its venv.
  // NOTE: with no checkout, the engine's clone is skipped because the reporter creates
  // ComfyUI/models and other folders at start, and the deploy then fails without main.py.
  await mkdir(join(stateDir, "workspace"), { recursive: true });
  await run("git", ["clone", "--quiet", "--", fixtures.comfyuiUrl, join(stateDir, "workspace", "ComfyUI")]);
  await run("git", ["checkout", "--quiet", "--detach", fixtures.stableTags.at(-1) ?? "HEAD"], { cwd: join(stateDir, "workspace", "ComfyUI") });

  stack = await Stack.start({
    stateDir,
    withoutComfyui: true,
    instanceName: "wizard",
    reporterEnv: {
      ...fixtures.pipEnv,
      COMFYUI_REPOSITORY: fixtures.comfyuiUrl,
      COMFYCARRY_DEPLOY_MIN_FREE_GB: "0",
      COMFYUI_SIM_STEP_MS: "10",
      COMFYUI_SIM_NODE_MS: "5",
    },
  });
  stackStarted = true;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  if (stackStarted) {
    await stack.stop();
  }
  await rm(stateDir, { recursive: true, force: true });
});

describe("setup wizard", () => {
  it("deploys ComfyUI with the chosen nodes", async () => {
    const page = await openDashboard(browser, stack, { locale: "en" });
    await page.goto(`${stack.edge.url}/instances/${stack.instanceId}/deploy`);
    await waitForText(page, "[data-testid=deploy-step-title]", "Mode");

    await page.click("[data-testid=deploy-mode-fresh]");
    await next(page, "Remote storage");
    await next(page, "Tokens");
    await next(page, "ComfyUI");
    await next(page, "Attention library");
    await waitForText(page, "[data-testid=deploy-gpu]", "compute capability 9.0");
    await page.click("[data-testid=deploy-attention-flash]");
    await next(page, "Custom nodes");
    await page.fill("[data-testid=deploy-nodes-extra] textarea", `${fixtures.nodes.text.url}\n${fixtures.nodes.notes.url}`);
    await next(page, "Sync");
    await next(page, "Confirm");
    await waitForText(page, "[data-testid=deploy-confirm-nodes]", "2");
    await page.click("[data-testid=deploy-start]");

    await waitForAttribute(page, "[data-testid=deploy-step-preflight]", "data-state", "done", 60_000);
    // A failed run ends the wait at once; the assertion then shows the failed step's error.
    await page.waitForFunction(() => ["succeeded", "failed"].includes(document.querySelector("[data-testid=deploy-run-state]")?.getAttribute("data-state") ?? ""), undefined, { timeout: 300_000, polling: 250 });
    const errors = await page.locator("[data-testid^=deploy-step-error-]").allTextContents();
    expect(errors).toEqual([]);
    expect(await page.getAttribute("[data-testid=deploy-run-state]", "data-state")).toBe("succeeded");
    expect(await page.getAttribute("[data-testid=deploy-step-custom_nodes]", "data-state")).toBe("done");
    expect(await page.textContent("[data-testid=deploy-step-custom_nodes]")).toMatch(/\d+(\.\d)? s|\d+ min/);
    await page.context().close();
  }, 420_000);

  it("shows ComfyUI online in the overview", async () => {
    await waitFor("ComfyUI online in the overview", async () => (await stack.client.overview(stack.instanceId)).snapshot?.comfyui.online === true, 60_000, 500);

    const page = await openDashboard(browser, stack, { locale: "en" });
    await waitForText(page, "[data-testid=badge-comfyui]", "Online", 30_000);
    await page.context().close();
  });

  it("installs the chosen nodes", async () => {
    const objectInfo = (await (await fetch(`${stack.comfyuiUrl}/object_info`)).json()) as Record<string, unknown>;

    expect(Object.keys(objectInfo)).toEqual(expect.arrayContaining([...fixtures.nodes.text.classes, ...fixtures.nodes.notes.classes]));
  });

  it("runs a prompt through a wizard node", async () => {
    const nodeClass = fixtures.nodes.text.classes[0] ?? "";
    const prompt = { "1": { class_type: nodeClass, inputs: { text: "from the wizard" } } };
    const response = await fetch(`${stack.comfyuiUrl}/prompt`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt }) });
    const { prompt_id: promptId } = (await response.json()) as { prompt_id: string };

    let status: string | undefined;
    await waitFor(
      "the wizard node's prompt to finish",
      async () => {
        const history = (await (await fetch(`${stack.comfyuiUrl}/history/${promptId}`)).json()) as Record<string, { status?: { status_str?: string } }>;
        status = history[promptId]?.status?.status_str;
        return status !== undefined;
      },
      30_000,
      250,
    );

    expect(status).toBe("success");
  });

  it("pre-fills the wizard from an upstream export", async () => {
    const exportFile = join(paths.repoRoot, "edge/test/config-upstream.fixture.json");
    const upstream = JSON.parse(await readFile(exportFile, "utf8")) as Record<string, unknown>;
    const page = await openDashboard(browser, stack, { locale: "en" });
    await page.goto(`${stack.edge.url}/instances/${stack.instanceId}/deploy`);
    await page.click("[data-testid=deploy-again]").catch(() => undefined);
    await waitForText(page, "[data-testid=deploy-step-title]", "Mode");

    await page.click("[data-testid=deploy-mode-import]");
    await page.setInputFiles("[data-testid=deploy-import-file]", exportFile);
    await waitForText(page, "[data-testid=deploy-import-summary]", "applied");
    const report = (await page.textContent("[data-testid=deploy-import-report]")) ?? "";
    for (const field of ["password", "api_key", "ssh_keys", "llm_provider", "prompt_settings", "rclone_config_base64", "civitai_token", "sync_settings.min_age"]) {
      expect(report, field).toContain(field);
    }
    for (const secret of [upstream["civitai_token"], upstream["password"], upstream["api_key"]]) {
      expect(report).not.toContain(String(secret));
    }

    await next(page, "Remote storage");
    await waitForText(page, "[data-testid=deploy-remote]", "An rclone.conf is stored");
    await next(page, "Tokens");
    expect(await page.isVisible("[data-testid=deploy-token-civitai_token] [data-testid=deploy-token-saved]")).toBe(true);
    await next(page, "ComfyUI");
    await next(page, "Attention library");
    expect(await page.isChecked("[data-testid=deploy-attention-sage] input")).toBe(true);
    await next(page, "Custom nodes");
    expect(await page.inputValue("[data-testid=deploy-nodes-extra] textarea")).toContain("https://github.com/kijai/ComfyUI-KJNodes");
    await next(page, "Sync");
    expect(await page.locator("[data-testid=deploy-imported-rule]").count()).toBe(3);
    expect(await page.locator("[data-testid=deploy-mirror-confirm]").count()).toBe(1);
    await page.context().close();
  });

  it("fits a 390 px screen", async () => {
    const page = await openDashboard(browser, stack, { locale: "zh-CN", width: 390, height: 844 });
    await page.goto(`${stack.edge.url}/instances/${stack.instanceId}/deploy`);
    await page.click("[data-testid=deploy-again]").catch(() => undefined);
    await page.waitForSelector("[data-testid=deploy-step-title]");

    expect(await horizontalOverflow(page)).toBe(0);
    await page.context().close();
  });
});
