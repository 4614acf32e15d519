import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { startAccessProxy } from "../../src/access-proxy/feature.js";
import type { RunningAccessProxy } from "../../src/access-proxy/feature.js";
import { ProxyRoutes } from "../../src/access-proxy/routes.js";
import { createRootLogger } from "../../src/log/logger.js";
import { Simulator, freePort } from "../helpers/simulator.js";
import { FakeAccessEdge, FakeClock, INSTANCE_ID, freshTicket } from "./harness.js";

// A real Chromium behind a pretend Cloudflare (a Cf-Ray header on every request) logs in while
// ComfyUI is down, gets the "starting" page, and lands on ComfyUI once the simulator is up.

const log = createRootLogger({ level: process.env.TEST_LOG_LEVEL ?? "silent" });

let dir: string;
let comfyuiPort: number;
let proxy: RunningAccessProxy;
let browser: Browser;
let simulator: Simulator | null = null;
const edge = new FakeAccessEdge();
const clock = new FakeClock();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cc-access-browser-"));
  comfyuiPort = await freePort();
  proxy = await startAccessProxy({
    instanceId: INSTANCE_ID,
    edgeUrl: "http://edge.invalid",
    token: "cct_unused",
    stateDir: dir,
    comfyuiUrl: `http://127.0.0.1:${comfyuiPort}`,
    port: 0,
    log,
    observe: () => undefined,
    now: clock.now,
    edge,
    routes: new ProxyRoutes(),
  });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", args: ["--no-sandbox"] });
}, 60_000);

afterAll(async () => {
  await browser.close();
  await simulator?.kill();
  await proxy.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("starting page in Chromium", () => {
  it("turns into ComfyUI once it is up", async () => {
    const page = await browser.newPage({ extraHTTPHeaders: { "cf-ray": "8f00000000000000-AMS" } });
    const first = await page.goto(`http://127.0.0.1:${proxy.port}/__cc/login?ticket=${freshTicket(edge, clock)}&next=/`);
    expect(first?.status()).toBe(200);
    expect(await page.textContent("#comfycarry-starting")).toContain("ComfyUI is starting");

    simulator = await Simulator.start({ baseDir: join(dir, "comfyui"), stepMs: 5, port: comfyuiPort });
    // The page reloads itself every three seconds; nothing here navigates it.
    await page.waitForSelector("#vue-app", { state: "attached", timeout: 30_000 });
    expect(await page.title()).toBe("ComfyUI");
  }, 60_000);
});
