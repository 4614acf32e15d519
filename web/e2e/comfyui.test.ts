import { execFile } from "node:child_process";
import { appendFile, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

import { COMFY_SERVICE, Pm2Cli, queuePrompt, Stack, waitFor } from "@comfycarry/stack";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { assertDashboardBuilt, horizontalOverflow, launchChromium, openDashboard, waitForAttribute, waitForText } from "./support";

import type { Browser, Page } from "playwright-core";

// The ComfyUI and Plugins pages in Chromium against the real stack, with ComfyUI run from a
// checkout under the PM2 definition the reporter's control uses (main.py starts the
// simulator), the legacy ComfyUI-Manager simulated in custom_nodes, and fixture node packs
// reached over git.

const STRESS_LINES = 10_000;
/** Rows a virtual list may render for a 420 px pane: the visible ones plus overscan, with slack. */
const MAX_RENDERED_ROWS = 120;
const MAX_TASK_MS = 200;
const FIXTURE_HOST = "https://git.fixture.test/";

let stack: Stack;
let stateDir = "";
let browser: Browser;
let stackStarted = false;

const run = promisify(execFile);

async function git(dir: string, args: string[]): Promise<void> {
  await run("git", ["-c", "user.name=e2e", "-c", "user.email=e2e@example.invalid", "-c", "init.defaultBranch=master", ...args], { cwd: dir });
}

/** A node pack repository with one tagged commit declaring `classes`; returns its fixture URL. */
async function createPack(name: string, classes: string[]): Promise<string> {
  const dir = join(stateDir, "sources", "owner", name);
  await mkdir(dir, { recursive: true });
  await git(dir, ["init", "-q"]);
  const nodes = Object.fromEntries(classes.map((node) => [node, { category: "fixture", input: { required: {} }, output: ["STRING"] }]));
  await writeFile(join(dir, "comfyui-sim.json"), JSON.stringify({ nodes }));
  await git(dir, ["add", "-A"]);
  await git(dir, ["commit", "-q", "-m", `${name} 1.0.0`]);
  await git(dir, ["tag", "v1.0.0"]);
  return `${FIXTURE_HOST}owner/${name}`;
}

/** Legacy ComfyUI-Manager in the checkout, and Manager's node list naming two fixture packs. */
async function prepareNodes(): Promise<Record<string, string>> {
  const managerDir = join(stateDir, "workspace", "ComfyUI", "custom_nodes", "comfyui-manager");
  await mkdir(managerDir, { recursive: true });
  await writeFile(join(managerDir, "comfyui-sim.json"), JSON.stringify({ manager_version: "V3.41", nodes: {} }));

  const alpha = await createPack("sim-alpha", ["SimAlpha"]);
  const beta = await createPack("sim-beta", ["SimBeta"]);
  const entry = (id: string, url: string, title: string, stars: number) => ({ id, title, author: "owner", reference: url, files: [url], install_type: "git-clone", description: `${title} for the browser test`, stars, last_update: "2026-01-01 00:00:00" });
  const list = join(stateDir, "custom-node-list.json");
  await writeFile(list, JSON.stringify({ custom_nodes: [entry("sim-alpha", alpha, "Sim Alpha", 40), entry("sim-beta", beta, "Sim Beta", 7)] }));

  return {
    COMFYUI_SIM_NODE_LIST: list,
    // Slow enough that the row shows the task running before it is done.
    COMFYUI_SIM_MANAGER_TASK_MS: "2500",
    COMFYUI_SIM_MANAGER_IDLE_MS: "300",
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: `url.file://${join(stateDir, "sources")}/.insteadOf`,
    GIT_CONFIG_VALUE_0: FIXTURE_HOST,
  };
}

beforeAll(async () => {
  assertDashboardBuilt();
  stateDir = await mkdtemp(join(tmpdir(), "comfycarry-web-comfyui-"));
  const nodeEnv = await prepareNodes();
  stack = await Stack.start({
    stateDir,
    preset: "h100",
    stepMs: 50,
    startupMs: 500,
    comfyuiCheckout: {
      env: {
        ...nodeEnv,
        // The first prompt crashes ComfyUI with a CUDA traceback, as a bad kernel would.
        COMFYUI_SIM_CRASH: "prompt",
        // Small enough that the stress lines make the next start rotate the log.
        COMFYUI_LOG_MAX_BYTES: String(64 * 1024),
      },
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
  if (stateDir !== "") {
    await rm(stateDir, { recursive: true, force: true });
  }
});

/** Returns the file PM2 writes ComfyUI's output to, which the reporter follows. */
function comfyuiLogFile(): string {
  return join(stateDir, "reporter-state", "comfyui", "logs", "comfyui.log");
}

async function openPage(path: "comfyui" | "plugins", options: { locale: "en" | "zh-CN"; width?: number; dark?: boolean } = { locale: "en" }): Promise<Page> {
  const page = await openDashboard(browser, stack, { locale: options.locale, width: options.width });
  if (options.dark === true) {
    await page.context().addInitScript(() => localStorage.setItem("comfycarry.theme", "dark"));
  }
  await page.goto(`${stack.edge.url}/instances/${stack.instanceId}/${path}`);
  await page.waitForSelector(`[data-testid=${path}-page]`, { timeout: 15_000 });
  return page;
}

function stressLine(index: number): string {
  return `stress line ${String(index).padStart(5, "0")} of the browser test`;
}

/**
 * Scrolls a virtual log pane from its first line to its last and returns every line by number,
 * with the most rows rendered at any one time.
 */
async function readAllRows(page: Page, pane: string): Promise<{ rows: Map<number, string>; mostRendered: number }> {
  const seen = await page.evaluate(async (selector) => {
    const element = document.querySelector<HTMLElement>(selector);
    if (element === null) {
      throw new Error(`no log pane ${selector}`);
    }
    const found: Array<[number, string]> = [];
    let most = 0;
    const frame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve())));
    // Rows are 20 px; the pane renders ten rows beyond each edge, so steps of 30 rows leave no hole.
    element.scrollTop = 0;
    await frame();
    for (;;) {
      const rendered = element.querySelectorAll<HTMLElement>("[data-testid=log-row]");
      most = Math.max(most, rendered.length);
      for (const row of rendered) {
        found.push([Number(row.dataset.n), row.querySelector(".text")?.textContent ?? ""]);
      }
      if (element.scrollTop + element.clientHeight >= element.scrollHeight) {
        break;
      }
      // From where the pane is now: older lines put in front move it down to keep its place.
      element.scrollTop += 30 * 20;
      await frame();
    }
    return { found, most };
  }, pane);
  return { rows: new Map(seen.found), mostRendered: seen.most };
}

async function confirm(page: Page, trigger: string): Promise<void> {
  await page.click(trigger);
  await page.click(".n-popconfirm__action:visible button:last-child");
}

describe("ComfyUI page", () => {
  let page: Page;

  beforeAll(async () => {
    page = await openPage("comfyui");
    await waitForAttribute(page, "[data-testid=comfyui-state]", "data-state", "online", 30_000);
  });

  afterAll(async () => {
    await page.context().close();
  });

  it("streams 10,000 log lines through a bounded number of rows without long tasks", async () => {
    const pane = "[data-testid=logs-live]";
    await page.waitForSelector(`${pane} [data-testid=log-row]`, { timeout: 20_000 });
    await page.evaluate(() => {
      const durations: number[] = [];
      Object.assign(window, { longTasks: durations });
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          durations.push(entry.duration);
        }
      }).observe({ type: "longtask" });
    });

    for (let start = 1; start <= STRESS_LINES; start += 1000) {
      await appendFile(comfyuiLogFile(), `${Array.from({ length: 1000 }, (_, index) => stressLine(start + index)).join("\n")}\n`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await waitForText(page, pane, stressLine(STRESS_LINES), 60_000);
    // The page numbers event lines itself until a tail from the reporter confirms them.
    await waitFor("the reporter to confirm every line shown", async () => Number(await page.getAttribute(pane, "data-confirmed")) === Number(await page.getAttribute(pane, "data-last")) + 1, 30_000, 200);

    const { rows, mostRendered } = await readAllRows(page, pane);
    const first = [...rows].find(([, text]) => text === stressLine(1))?.[0] ?? -1;
    const stress = Array.from({ length: STRESS_LINES }, (_, index) => rows.get(first + index));
    const longest = await page.evaluate(() => Math.max(0, ...((window as unknown as { longTasks: number[] }).longTasks ?? [])));
    expect(stress).toEqual(Array.from({ length: STRESS_LINES }, (_, index) => stressLine(index + 1)));
    expect(mostRendered).toBeLessThanOrEqual(MAX_RENDERED_ROWS);
    expect(longest).toBeLessThan(MAX_TASK_MS);
  });

  it("names an invalid launch option without restarting ComfyUI", async () => {
    const pidBefore = (await stack.pm2.find(COMFY_SERVICE))?.pid;
    await page.fill("[data-testid=launch-extra] input", "--no-such-option 3");

    await waitForAttribute(page, "[data-testid=launch-rejected]", "data-option", "--no-such-option");
    expect(await page.textContent("[data-testid=launch-rejected]")).toContain("ComfyUI would refuse the option --no-such-option.");
    expect(await page.isDisabled("[data-testid=launch-apply]")).toBe(true);
    expect((await stack.pm2.find(COMFY_SERVICE))?.pid).toBe(pidBefore);
  });

  it("shows the command preview once the option is valid again", async () => {
    await page.fill("[data-testid=launch-extra] input", "--reserve-vram 2");

    await waitForText(page, "[data-testid=launch-preview]", "--reserve-vram 2");
  });

  it("keeps a crash's traceback readable after two restarts", async () => {
    const restartsBefore = (await stack.pm2.find(COMFY_SERVICE))?.restarts ?? 0;
    await queuePrompt(stack.comfyuiProxyUrl, { steps: 2 }).catch(() => undefined);
    await waitFor("PM2 to restart the crashed ComfyUI", async () => ((await stack.pm2.find(COMFY_SERVICE))?.restarts ?? 0) > restartsBefore, 30_000, 200);
    await waitFor("ComfyUI to answer after the crash", async () => (await fetch(`${stack.comfyuiUrl}/system_stats`).catch(() => null))?.ok === true, 60_000, 200);
    await waitForText(page, "[data-testid=logs-live]", "AcceleratorError", 30_000);

    for (let restart = 0; restart < 2; restart += 1) {
      const pid = (await stack.pm2.find(COMFY_SERVICE))?.pid;
      await confirm(page, "[data-testid='comfyui.restart']");
      await waitFor(`restart ${restart + 1} to replace ComfyUI's process`, async () => {
        const now = await stack.pm2.find(COMFY_SERVICE);
        return now !== undefined && now.pid !== pid && now.pid > 0;
      }, 60_000, 200);
      await waitForAttribute(page, "[data-testid=comfyui-status]", "data-pending", "", 120_000);
    }
    await stat(`${comfyuiLogFile()}.1`);

    await page.fill("[data-testid=logs-search] input", "AcceleratorError");
    await page.click("[data-testid=logs-search-run]");
    await waitForText(page, "[data-testid=logs-results]", "torch.AcceleratorError: CUDA error: an illegal memory access was encountered");
  });
});

describe("Plugins page", () => {
  let page: Page;

  beforeAll(async () => {
    page = await openPage("plugins");
  });

  afterAll(async () => {
    await page.context().close();
  });

  it("detects the legacy Manager", async () => {
    await waitForAttribute(page, "[data-testid=manager-flavour]", "data-flavour", "legacy-post", 30_000);
  });

  it("lists the simulator's node packs", async () => {
    await page.waitForSelector("[data-testid=registry-row][data-pack=sim-alpha]", { timeout: 20_000 });
    expect(await page.locator("[data-testid=registry-row]").count()).toBe(2);
  });

  it("installs a pack with progress on its row", async () => {
    const row = "[data-testid=registry-row][data-pack=sim-alpha]";
    await page.click(`${row} [data-testid=registry-install]`);

    const states = new Set<string>();
    for (let sample = 0; sample < 150 && !states.has("done"); sample += 1) {
      const state = await page.getAttribute(`${row} [data-testid=task-state]`, "data-state").catch(() => null);
      if (state !== null) {
        states.add(state);
      }
      await page.waitForTimeout(100);
    }
    expect(states.has("running") || states.has("queued")).toBe(true);
    expect(states.has("done")).toBe(true);
    await page.waitForSelector("[data-testid=installed-row][data-pack=sim-alpha]", { timeout: 20_000 });
    await page.waitForSelector("[data-testid=restart-badge]", { timeout: 20_000 });
  });

  it("restarts ComfyUI and clears the restart banner", async () => {
    await page.click("[data-testid=plugins-restart]");

    await page.waitForSelector("[data-testid=restart-banner]", { state: "detached", timeout: 120_000 });
    const classes = Object.keys((await (await fetch(`${stack.comfyuiUrl}/object_info`)).json()) as Record<string, unknown>);
    expect(classes).toContain("SimAlpha");
  });
});

describe("layout", () => {
  for (const path of ["comfyui", "plugins"] as const) {
    it(`fits ${path} into 390 px in Chinese and the dark theme`, async () => {
      const page = await openPage(path, { locale: "zh-CN", width: 390, dark: true });
      await page.waitForTimeout(1500);

      const overflow = await horizontalOverflow(page);
      const theme = await page.evaluate(() => document.documentElement.dataset.theme);
      const raw = (await page.evaluate(() => document.body.innerText)).match(/\b(?:comfyui|plugins)\.[a-z]+\.[A-Za-z_]+/g) ?? [];
      await page.context().close();
      expect(overflow).toBe(0);
      expect(theme).toBe("dark");
      expect(raw).toEqual([]);
    });
  }
});
