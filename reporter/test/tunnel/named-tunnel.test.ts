import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { FakeCloudflareStore, startFakeCloudflareApi } from "@comfycarry/fake-cloudflare-api";
import type { FakeCloudflareApi } from "@comfycarry/fake-cloudflare-api";
import { FAKE_CLOUDFLARED } from "@comfycarry/fake-cloudflared";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { TunnelFeature } from "../../src/tunnel/feature.js";
import { createPm2Home } from "../comfyui-control/helpers/pm2-home.js";
import type { Pm2Home } from "../comfyui-control/helpers/pm2-home.js";
import { pollUntil } from "../comfyui-control/helpers/poll.js";

const ORIGIN = "http://127.0.0.1:8189";
const TOKEN = "tunnel_and_dns_token_0123456789";

let pm2: Pm2Home;
let api: FakeCloudflareApi;
let store: FakeCloudflareStore;
let dir: string;

beforeAll(async () => {
  execFileSync(process.execPath, ["build.mjs"], { cwd: join(dirname(FAKE_CLOUDFLARED), "..") });
  pm2 = await createPm2Home();
  store = new FakeCloudflareStore();
  store.addToken(TOKEN, ["tunnel:edit", "dns:edit"]);
  store.addZone("example.com");
  api = await startFakeCloudflareApi({}, store);
  dir = mkdtempSync(join(tmpdir(), "tunnel-named-"));
}, 60_000);

afterAll(async () => {
  await api.close();
  await pm2.kill();
  rmSync(dir, { recursive: true, force: true });
});

function startFeature(name: string): Promise<TunnelFeature> {
  return TunnelFeature.start({
    instanceId: "named-test",
    stateDir: join(dir, name),
    pm2Home: pm2.path,
    env: { binary: FAKE_CLOUDFLARED, apiUrl: api.url, serviceName: `cloudflared-${name}`, childEnv: { FAKE_CLOUDFLARED_API_URL: api.url, FAKE_CLOUDFLARED_SEARCH_DIRS: "", FAKE_CLOUDFLARED_REGISTER_DELAY_MS: "100" } },
    origin: () => ORIGIN,
    log: pino({ level: "silent" }),
    pollMs: 150,
  });
}

describe("named tunnel under PM2", () => {
  test("API mode connects, then removes cleanly", async () => {
    const tunnel = await startFeature("api");
    try {
      await tunnel.configure({ mode: "api", api_token: TOKEN, domain: "example.com", subdomain: "comfy" });
      await tunnel.start();
      const view = await pollUntil("tunnel online", () => Promise.resolve(tunnel.view()), (candidate) => candidate.status === "online" && candidate.connections === 4);
      const connected = store.liveTunnels()[0]?.connected;
      const removed = await tunnel.remove();

      expect(view.links).toEqual([{ name: "ComfyUI", url: "https://comfy.example.com" }]);
      expect(connected).toBe(true);
      expect(removed.status).toBe("stopped");
      expect(store.liveTunnels()).toEqual([]);
      expect(store.records).toEqual([]);
    } finally {
      await tunnel.stop();
      await tunnel.close();
    }
  });

  test("token mode takes links from the remote ingress", async () => {
    const created = store.createTunnel("made-in-dashboard", true);
    created.config = { ingress: [{ hostname: "studio.example.com", service: ORIGIN }, { service: "http_status:404" }] };
    created.configVersion = 1;
    const tunnel = await startFeature("token");
    try {
      await tunnel.configure({ mode: "token", token: store.tunnelToken(created) });
      await tunnel.start();
      const view = await pollUntil("links from the ingress", () => Promise.resolve(tunnel.view()), (candidate) => candidate.status === "online" && candidate.links.length > 0);

      expect(view.links).toEqual([{ name: "studio.example.com", url: "https://studio.example.com" }]);
      expect(tunnel.section()).toMatchObject({ available: true, state: "online", mode: "token" });
    } finally {
      await tunnel.stop();
      await tunnel.close();
    }
  });
});
