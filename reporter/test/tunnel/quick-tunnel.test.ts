import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { startFakeQuickService } from "@comfycarry/fake-cloudflare-api";
import type { FakeQuickService } from "@comfycarry/fake-cloudflare-api";
import { FAKE_CLOUDFLARED } from "@comfycarry/fake-cloudflared";
import type { Overview } from "@comfycarry/shared";
import { pino } from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";

import { TunnelFeature } from "../../src/tunnel/feature.js";
import { createPm2Home } from "../comfyui-control/helpers/pm2-home.js";
import type { Pm2Home } from "../comfyui-control/helpers/pm2-home.js";
import { pollUntil } from "../comfyui-control/helpers/poll.js";

const ORIGIN = "http://127.0.0.1:8189";

let pm2: Pm2Home;
let quick: FakeQuickService;
let dir: string;
let current: TunnelFeature | null = null;

beforeAll(async () => {
  // The fake's bundle is what bin/cloudflared runs; build it once for this file.
  execFileSync(process.execPath, ["build.mjs"], { cwd: join(dirname(FAKE_CLOUDFLARED), "..") });
  pm2 = await createPm2Home();
  quick = await startFakeQuickService();
  dir = mkdtempSync(join(tmpdir(), "tunnel-quick-"));
}, 60_000);

afterAll(async () => {
  await quick.close();
  await pm2.kill();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  if (current !== null) {
    await current.stop();
    await current.close();
    current = null;
  }
  quick.rateLimited = false;
  quick.requests.length = 0;
});

interface Started {
  tunnel: TunnelFeature;
  runLog: string;
}

let serial = 0;

async function startTunnel(options: { now?: () => number; searchDir?: string; reuse?: number; quickService?: string; origin?: string } = {}): Promise<Started> {
  serial = options.reuse ?? serial + 1;
  const stateDir = join(dir, `state-${serial}`);
  const runLog = join(dir, `runs-${serial}.jsonl`);
  if (options.reuse === undefined) {
    writeFileSync(runLog, "");
  }
  const tunnel = await TunnelFeature.start({
    instanceId: "quick-test",
    stateDir,
    pm2Home: pm2.path,
    env: {
      binary: FAKE_CLOUDFLARED,
      apiUrl: "http://127.0.0.1:9/client/v4",
      quickService: options.quickService ?? quick.url,
      serviceName: `cloudflared-${serial}`,
      childEnv: { FAKE_CLOUDFLARED_RUN_LOG: runLog, FAKE_CLOUDFLARED_SEARCH_DIRS: options.searchDir ?? "", FAKE_CLOUDFLARED_REGISTER_DELAY_MS: "100" },
    },
    origin: () => options.origin ?? ORIGIN,
    log: pino({ level: "silent" }),
    pollMs: 150,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  current = tunnel;
  return { tunnel, runLog };
}

function runs(runLog: string): string[][] {
  return readFileSync(runLog, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => (JSON.parse(line) as { argv: string[] }).argv);
}

/** Returns the section's links, or null while the section is unavailable. */
const linksOf = (section: Overview["tunnel"]) => (section.available ? section.links : null);

const online = (tunnel: TunnelFeature) => pollUntil("tunnel online", () => Promise.resolve(tunnel.section()), (section) => section.available && section.state === "online" && section.links.length > 0);

/** Lets the supervisor look several times, so a wrongly planned start would have happened. */
const severalTicks = () => new Promise((resolve) => setTimeout(resolve, 1_000));

describe("quick tunnel", () => {
  test("URL appears in the overview section", async () => {
    const { tunnel } = await startTunnel();
    await tunnel.configure({ mode: "quick" });
    await tunnel.start();
    const section = await online(tunnel);

    expect(linksOf(section)).toEqual([{ name: "ComfyUI", url: `https://${quick.requests.at(-1)?.hostname}` }]);
    expect(section.available ? section.status : null).toBe("online");
    expect(tunnel.logLines(100).some((line) => line.includes("Your quick Tunnel has been created!"))).toBe(true);
  });

  test("restart replaces the URL", async () => {
    const { tunnel } = await startTunnel();
    await tunnel.configure({ mode: "quick" });
    await tunnel.start();
    const first = await online(tunnel);
    const firstUrl = first.available ? first.links[0]?.url : undefined;

    await tunnel.restart();
    const second = await pollUntil("a new URL", () => Promise.resolve(tunnel.section()), (section) => section.available && section.state === "online" && section.links[0]?.url !== firstUrl);

    expect(quick.requests).toHaveLength(2);
    expect(linksOf(second)).toEqual([{ name: "ComfyUI", url: `https://${quick.requests[1]?.hostname}` }]);
  });

  test("reporter restart keeps the running URL", async () => {
    const { tunnel } = await startTunnel();
    const reused = serial;
    await tunnel.configure({ mode: "quick" });
    await tunnel.start();
    const before = await online(tunnel);
    // The old reporter goes away without stopping cloudflared, as on a reporter restart.
    await tunnel.close();
    current = null;

    const { tunnel: next, runLog } = await startTunnel({ reuse: reused });
    await next.resume();
    const after = await online(next);

    expect(linksOf(after)).toEqual(linksOf(before));
    expect(quick.requests).toHaveLength(1);
    expect(runs(runLog)).toHaveLength(1);
  });

  test("moved proxy gets a new quick tunnel", async () => {
    const { tunnel } = await startTunnel();
    const reused = serial;
    await tunnel.configure({ mode: "quick" });
    await tunnel.start();
    await online(tunnel);
    await tunnel.close();
    current = null;

    const { tunnel: next, runLog } = await startTunnel({ reuse: reused, origin: "http://127.0.0.1:8190" });
    await next.resume();
    await pollUntil("a second quick tunnel", () => Promise.resolve(next.section()), (section) => section.available && section.state === "online" && quick.requests.length === 2);

    const argv = runs(runLog).at(-1) ?? [];
    expect(argv[argv.indexOf("--url") + 1]).toBe("http://127.0.0.1:8190");
  });

  test("runs with its own empty config", async () => {
    const searchDir = join(dir, "home", ".cloudflared");
    mkdirSync(searchDir, { recursive: true });
    writeFileSync(join(searchDir, "config.yml"), "tunnel: old\ningress:\n  - hostname: old.example.com\n    service: http://127.0.0.1:1\n  - service: http_status:404\n");
    const { tunnel, runLog } = await startTunnel({ searchDir });
    await tunnel.configure({ mode: "quick" });
    await tunnel.start();
    await online(tunnel);

    const [argv] = runs(runLog);
    const metrics = argv?.[argv.indexOf("--metrics") + 1];
    const config = (await (await fetch(`http://${metrics}/config`)).json()) as { config: { ingress: unknown[] } };
    expect(argv).toContain("--config");
    expect(config.config.ingress).toEqual([{ service: ORIGIN }]);
  });

  test("rate limit follows the backoff schedule", async () => {
    let now = Date.parse("2026-12-04T10:00:00Z");
    quick.rateLimited = true;
    const { tunnel } = await startTunnel({ now: () => now });
    await tunnel.configure({ mode: "quick" });
    await tunnel.start();

    const planned: number[] = [];
    const waitRefused = async (count: number): Promise<number> => {
      const view = await pollUntil(`refused start ${count}`, () => Promise.resolve(tunnel.view()), (candidate) => candidate.rate_limit?.refused_starts === count);
      const next = Date.parse(view.rate_limit?.next_attempt_at ?? "");
      planned.push(next - now);
      return next;
    };

    let next = await waitRefused(1);
    const overview = tunnel.section();
    await severalTicks();
    expect(quick.requests).toHaveLength(1);
    expect(overview.available ? overview.status : null).toBe("rate_limited");
    expect(overview.available ? overview.next_attempt_at : null).toBe(new Date(next).toISOString());

    now = next - 1;
    await severalTicks();
    expect(quick.requests).toHaveLength(1);

    now = next;
    next = await waitRefused(2);
    expect(quick.requests).toHaveLength(2);

    now = next;
    next = await waitRefused(3);
    await severalTicks();
    expect(quick.requests).toHaveLength(3);

    quick.rateLimited = false;
    now = next;
    await online(tunnel);
    expect(quick.requests).toHaveLength(4);
    expect(planned).toEqual([10_000, 20_000, 40_000]);
  });

  test("unreachable quick service retries after 2 s", async () => {
    let now = Date.parse("2026-12-04T10:00:00Z");
    const { tunnel, runLog } = await startTunnel({ now: () => now, quickService: "http://127.0.0.1:9" });
    await tunnel.configure({ mode: "quick" });
    await tunnel.start();
    const view = await pollUntil("offline", () => Promise.resolve(tunnel.view()), (candidate) => candidate.status === "offline");
    await severalTicks();
    const runsBefore = runs(runLog).length;

    now += 2_000;
    await pollUntil("a second start", () => Promise.resolve(runs(runLog).length), (count) => count === 2);

    expect(runsBefore).toBe(1);
    expect(view.problem).toContain("failed to request quick Tunnel");
    expect(view.rate_limit).toBeNull();
  });

  test("new settings skip the rate-limit wait", async () => {
    const now = Date.parse("2026-12-04T10:00:00Z");
    quick.rateLimited = true;
    const { tunnel, runLog } = await startTunnel({ now: () => now });
    await tunnel.configure({ mode: "quick" });
    await tunnel.start();
    await pollUntil("rate-limited", () => Promise.resolve(tunnel.view()), (candidate) => candidate.status === "rate_limited");

    const token = Buffer.from(JSON.stringify({ a: "a".repeat(32), t: "11111111-2222-3333-4444-555555555555", s: "c2VjcmV0" })).toString("base64");
    await tunnel.configure({ mode: "token", token });
    const view = await pollUntil("token tunnel online", () => Promise.resolve(tunnel.view()), (candidate) => candidate.status === "online");

    expect(view.connections).toBe(4);
    expect(runs(runLog)).toHaveLength(2);
  });

  test("invalid token is misconfigured without retries", async () => {
    const { tunnel, runLog } = await startTunnel();
    await tunnel.configure({ mode: "token", token: "this-is-not-a-tunnel-token" });
    await tunnel.start();
    const view = await pollUntil("misconfigured", () => Promise.resolve(tunnel.view()), (candidate) => candidate.status === "misconfigured");
    await severalTicks();

    expect(view.problem).toBe("Provided Tunnel token is not valid.");
    expect(runs(runLog)).toHaveLength(1);
    expect(runs(runLog)[0]).not.toContain("this-is-not-a-tunnel-token");
  });
});
