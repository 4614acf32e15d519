import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { startFakeQuickService } from "@comfycarry/fake-cloudflare-api";
import type { FakeQuickService } from "@comfycarry/fake-cloudflare-api";
import { FAKE_CLOUDFLARED } from "@comfycarry/fake-cloudflared";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { startAccessProxy } from "../../src/access-proxy/index.js";
import type { RunningAccessProxy } from "../../src/access-proxy/index.js";
import { TunnelFeature } from "../../src/tunnel/feature.js";
import { FakeAccessEdge, FakeClock, INSTANCE_ID, freshTicket, httpCall } from "../access-proxy/harness.js";
import { createPm2Home } from "../comfyui-control/helpers/pm2-home.js";
import type { Pm2Home } from "../comfyui-control/helpers/pm2-home.js";
import { pollUntil } from "../comfyui-control/helpers/poll.js";
import { freePort } from "../helpers/simulator.js";

// A request through the (fake) Cloudflare edge and cloudflared reaches the access proxy, never
// ComfyUI directly: it needs a login, and while ComfyUI is down it gets the "starting" page
// with status 200, because Cloudflare adds a Cf-Ray header.

let pm2: Pm2Home;
let quick: FakeQuickService;
let dir: string;
let access: RunningAccessProxy;
let tunnel: TunnelFeature;
let eyeballPort = 0;
let publicHost = "";
const edge = new FakeAccessEdge();
const clock = new FakeClock();

beforeAll(async () => {
  execFileSync(process.execPath, ["build.mjs"], { cwd: join(dirname(FAKE_CLOUDFLARED), "..") });
  pm2 = await createPm2Home();
  quick = await startFakeQuickService();
  dir = mkdtempSync(join(tmpdir(), "tunnel-proxy-"));
  const log = pino({ level: "silent" });
  // Nothing listens here, so ComfyUI counts as down.
  const comfyuiPort = await freePort();
  access = await startAccessProxy({
    instanceId: INSTANCE_ID,
    edgeUrl: "http://127.0.0.1:9",
    token: "instance-token",
    stateDir: join(dir, "access"),
    comfyuiUrl: `http://127.0.0.1:${comfyuiPort}`,
    port: 0,
    log,
    observe: () => undefined,
    now: clock.now,
    edge,
  });

  const runLog = join(dir, "runs.jsonl");
  writeFileSync(runLog, "");
  tunnel = await TunnelFeature.start({
    instanceId: INSTANCE_ID,
    stateDir: join(dir, "state"),
    pm2Home: pm2.path,
    env: { binary: FAKE_CLOUDFLARED, apiUrl: "http://127.0.0.1:9/client/v4", quickService: quick.url, serviceName: "cloudflared-proxy", childEnv: { FAKE_CLOUDFLARED_EYEBALL: "1", FAKE_CLOUDFLARED_RUN_LOG: runLog, FAKE_CLOUDFLARED_SEARCH_DIRS: "" } },
    origin: () => `http://127.0.0.1:${access.port}`,
    log,
    pollMs: 150,
  });
  await tunnel.configure({ mode: "quick" });
  await tunnel.start();
  const online = await pollUntil("tunnel online", () => Promise.resolve(tunnel.view()), (view) => view.status === "online" && view.links.length > 0);
  publicHost = new URL(online.links[0]?.url ?? "https://none").host;

  const argv = (JSON.parse(readFileSync(runLog, "utf8").split("\n")[0] ?? "{}") as { argv: string[] }).argv;
  const metrics = argv[argv.indexOf("--metrics") + 1] ?? "";
  const eyeball = await pollUntil("eyeball address", async () => ((await (await fetch(`http://${metrics}/fake/eyeball`)).json()) as { address: string | null }).address, (address) => address !== null);
  eyeballPort = Number(eyeball?.split(":")[1]);
}, 60_000);

afterAll(async () => {
  await tunnel.stop();
  await tunnel.close();
  await access.stop();
  await quick.close();
  await pm2.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** Redeems a fresh dashboard ticket on `port` and returns the login response and the session cookie. */
async function logIn(port: number) {
  const login = await httpCall(port, `/__cc/login?ticket=${encodeURIComponent(freshTicket(edge, clock))}&next=/`, { headers: { host: publicHost } });
  const setCookie = login.headers["set-cookie"];
  const cookie = (Array.isArray(setCookie) ? setCookie[0] : setCookie)?.split(";")[0] ?? "";
  return { login, cookie };
}

describe("tunnel in front of the access proxy", () => {
  test("anonymous request is rejected", async () => {
    const response = await httpCall(eyeballPort, "/prompt", { headers: { host: publicHost } });

    expect(response.status).toBe(401);
  });

  test("ticket login then starting page with 200", async () => {
    const { login, cookie } = await logIn(eyeballPort);

    const page = await httpCall(eyeballPort, "/", { headers: { host: publicHost, cookie, accept: "text/html" } });

    expect(login.status).toBe(303);
    expect(cookie).not.toBe("");
    expect(page.status).toBe(200);
    expect(page.headers["retry-after"]).toBeDefined();
  });

  test("same page straight at the proxy is 502", async () => {
    const { cookie } = await logIn(access.port);

    const page = await httpCall(access.port, "/", { headers: { host: publicHost, cookie, accept: "text/html" } });

    expect(page.status).toBe(502);
  });
});
