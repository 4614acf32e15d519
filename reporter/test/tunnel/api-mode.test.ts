import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { FakeCloudflareStore, startFakeCloudflareApi } from "@comfycarry/fake-cloudflare-api";
import type { FakeCloudflareApi } from "@comfycarry/fake-cloudflare-api";
import { ComfyCarryError } from "@comfycarry/shared";
import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, test } from "vitest";

import { TunnelFeature } from "../../src/tunnel/feature.js";
import type { ProcessControl } from "../../src/tunnel/supervisor.js";

const TOKEN = "tunnel_and_dns_token_0123456789";
const DNS_ONLY = "dns_only_token_0123456789abc";
const ORIGIN = "http://127.0.0.1:8189";

/** API-mode provisioning never starts cloudflared, so the process side only records stops. */
const idleProcess: ProcessControl = {
  state: () => Promise.resolve({ status: null }),
  start: () => Promise.reject(new Error("cloudflared must not start in these tests")),
  stop: () => Promise.resolve(),
};

let api: FakeCloudflareApi;
let store: FakeCloudflareStore;
let stateDir: string;
const features: TunnelFeature[] = [];

beforeEach(async () => {
  store = new FakeCloudflareStore();
  store.addToken(TOKEN, ["tunnel:edit", "dns:edit"]);
  store.addToken(DNS_ONLY, ["dns:edit"]);
  store.addZone("example.com");
  api = await startFakeCloudflareApi({}, store);
  stateDir = await mkdtemp(join(tmpdir(), "tunnel-api-"));
});

afterEach(async () => {
  for (const feature of features.splice(0)) {
    await feature.close();
  }
  await api.close();
  await rm(stateDir, { recursive: true, force: true });
});

async function feature(dir = stateDir, edgeApiToken: string | null = null, origin = ORIGIN): Promise<TunnelFeature> {
  const started = await TunnelFeature.start({
    edgeApiToken: () => edgeApiToken,
    instanceId: "gpu-box-1",
    stateDir: dir,
    // A binary that does not exist: these tests never run cloudflared.
    env: { binary: "/nonexistent/cloudflared", apiUrl: api.url, serviceName: "cloudflared", childEnv: {} },
    origin: () => origin,
    log: pino({ level: "silent" }),
    pollMs: 60_000,
    process: idleProcess,
  });
  features.push(started);
  return started;
}

const configureArgs = (apiToken = TOKEN) => ({ mode: "api" as const, api_token: apiToken, domain: "example.com", subdomain: "comfy" });

function posts(path: string): number {
  return api.requests.filter((request) => request.method === "POST" && request.path.endsWith(path)).length;
}

async function failure(promise: Promise<unknown>): Promise<ComfyCarryError> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ComfyCarryError)) {
    throw new Error(`expected a ComfyCarryError, got ${String(error)}`);
  }
  return error;
}

describe("tunnel API mode", () => {
  test("creates tunnel, ingress and DNS record", async () => {
    const tunnel = await feature();
    const view = await tunnel.configure(configureArgs());

    const [created] = store.liveTunnels();
    expect(store.liveTunnels()).toHaveLength(1);
    expect(created?.name).toBe("comfycarry-gpu-box-1");
    expect(created?.config?.ingress).toEqual([{ hostname: "comfy.example.com", service: ORIGIN, originRequest: {} }, { service: "http_status:404" }]);
    expect(store.records.map((record) => [record.type, record.name, record.content, record.proxied])).toEqual([["CNAME", "comfy.example.com", `${created?.id}.cfargotunnel.com`, true]]);
    expect(view.links).toEqual([{ name: "ComfyUI", url: "https://comfy.example.com" }]);
  });

  test("saves the tunnel token for --token-file", async () => {
    const tunnel = await feature();
    await tunnel.configure(configureArgs());

    const [created] = store.liveTunnels();
    const saved = await readFile(join(stateDir, "tunnel", "tunnel-token"), "utf8");
    expect(created).toBeDefined();
    expect(saved).toBe(created === undefined ? "" : store.tunnelToken(created));
  });

  test("second run reuses tunnel and record", async () => {
    await (await feature()).configure(configureArgs());
    await (await feature()).configure(configureArgs());

    expect(store.liveTunnels()).toHaveLength(1);
    expect(store.records).toHaveLength(1);
    expect(posts("/cfd_tunnel")).toBe(1);
    expect(posts("/dns_records")).toBe(1);
  });

  test("fresh state dir reuses the tunnel by name", async () => {
    await (await feature()).configure(configureArgs());
    const otherDir = await mkdtemp(join(tmpdir(), "tunnel-api-"));
    try {
      await (await feature(otherDir)).configure(configureArgs());
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }

    expect(store.liveTunnels()).toHaveLength(1);
    expect(posts("/cfd_tunnel")).toBe(1);
    expect(posts("/dns_records")).toBe(1);
  });

  test("service add and remove update ingress and DNS", async () => {
    const tunnel = await feature();
    await tunnel.configure(configureArgs());

    const added = await tunnel.addService({ name: "jupyter", port: 8888, protocol: "http" });
    const hostnamesAfterAdd = store.liveTunnels()[0]?.config?.ingress.map((rule) => rule.hostname ?? null);
    const recordsAfterAdd = store.records.map((record) => record.name).sort();
    await tunnel.removeService("jupyter");

    expect(hostnamesAfterAdd).toEqual(["comfy.example.com", "comfy-jupyter.example.com", null]);
    expect(recordsAfterAdd).toEqual(["comfy-jupyter.example.com", "comfy.example.com"]);
    expect(added.links).toContainEqual({ name: "jupyter", url: "https://comfy-jupyter.example.com" });
    expect(store.records.map((record) => record.name)).toEqual(["comfy.example.com"]);
    expect(store.liveTunnels()[0]?.config?.ingress.map((rule) => rule.hostname ?? null)).toEqual(["comfy.example.com", null]);
  });

  test("start follows a moved access proxy", async () => {
    await (await feature()).configure(configureArgs());
    const moved = await feature(stateDir, null, "http://127.0.0.1:8190");
    const view = await moved.start();

    expect(store.liveTunnels()[0]?.config?.ingress[0]?.service).toBe("http://127.0.0.1:8190");
    expect(store.liveTunnels()).toHaveLength(1);
    expect(view.status).toBe("misconfigured");
    expect(view.problem).toContain("cloudflared was not found (/nonexistent/cloudflared)");
  });

  test("remove deletes records and tunnel", async () => {
    const tunnel = await feature();
    await tunnel.configure(configureArgs());
    const view = await tunnel.remove();

    expect(store.records).toEqual([]);
    expect(store.liveTunnels()).toEqual([]);
    expect(store.tunnels[0]?.deletedAt).not.toBeNull();
    expect(view.mode).toBeNull();
  });

  test("edge-stored token is used when none is pasted", async () => {
    const tunnel = await feature(stateDir, TOKEN);
    await tunnel.configure({ mode: "api", domain: "example.com", subdomain: "comfy" });

    expect(store.liveTunnels()).toHaveLength(1);
    expect(store.records).toHaveLength(1);
  });

  test("no pasted and no stored token is rejected", async () => {
    const tunnel = await feature();
    const error = await failure(tunnel.configure({ mode: "api", domain: "example.com", subdomain: "comfy" }));

    expect(error.code).toBe("invalid_arguments");
    expect(error.message).toContain("save it as the Cloudflare API token on the Settings page");
    expect(store.tunnels).toEqual([]);
  });

  test("bad token gives a plain error", async () => {
    const tunnel = await feature();
    const error = await failure(tunnel.configure(configureArgs("unknown_token_0123456789abcdef")));

    expect(error.code).toBe("tunnel_failed");
    expect(error.params?.["reason"]).toBe("cloudflare_auth");
    expect(error.message).toBe(
      "Checking the API token failed: Cloudflare rejected the API token (HTTP 401, code 1000: Invalid API Token). Paste a valid API token.",
    );
  });

  test("missing tunnel permission gives a plain error", async () => {
    const tunnel = await feature();
    const error = await failure(tunnel.configure(configureArgs(DNS_ONLY)));

    expect(error.params?.["reason"]).toBe("cloudflare_permission");
    expect(error.message).toContain("the API token lacks a permission (HTTP 403, code 10000: Authentication error)");
    expect(error.message).toContain("Account › Cloudflare Tunnel › Edit");
    expect(store.tunnels).toEqual([]);
  });

  test("unknown domain names the zone", async () => {
    const tunnel = await feature();
    const error = await failure(tunnel.configure({ ...configureArgs(), domain: "other.org" }));

    expect(error.params?.["reason"]).toBe("zone_not_found");
    expect(error.message).toContain("other.org is not a zone this API token can see");
  });

  test("foreign DNS record is not overwritten", async () => {
    const zone = store.zones[0];
    store.records.push({ id: "f".repeat(32), zoneId: zone?.id ?? "", type: "A", name: "comfy.example.com", content: "192.0.2.7", proxied: false, ttl: 1, createdOn: "", modifiedOn: "" });
    const tunnel = await feature();
    const error = await failure(tunnel.configure(configureArgs()));

    expect(error.params?.["reason"]).toBe("dns_conflict");
    expect(error.message).toContain("A record for comfy.example.com already exists and points to 192.0.2.7");
    expect(store.records).toHaveLength(1);
  });

  test("HTML error page gives a plain error", async () => {
    api.injectFault({ status: 502, pathIncludes: "/zones" });
    const tunnel = await feature();
    const error = await failure(tunnel.configure(configureArgs()));

    expect(error.message).toBe("Looking up the zone example.com failed: Cloudflare responded with HTTP 502 and a body that is not JSON. Try again later.");
  });
});
