// Fleet status, Prometheus /metrics, prices and history routes against the real Worker and
// instance objects. Provider price lookups go to a stubbed fetch, as the Worker would call
// vast.ai or RunPod.
import { SELF, env } from "cloudflare:test";
import { fleetStatusSchema, historyResponseSchema, instancePriceSchema } from "@comfycarry/shared";
import type { FleetInstanceStatus } from "@comfycarry/shared";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterEach, describe, expect, it, vi } from "vitest";

import { app } from "../src/app.js";
import { ORIGIN, call, connectReporter, createInstance, flushReporter, login, snapshot } from "./helpers.js";

const HOUR_MS = 3_600_000;

function stubOf(instanceId: string) {
  return env.INSTANCES.get(env.INSTANCES.idFromName(instanceId));
}

async function readToken(cookie: string): Promise<string> {
  const response = await call("/api/tokens", { cookie, body: { name: `metrics ${crypto.randomUUID().slice(0, 6)}`, scope: "read" } });
  const body: { token: string } = await response.json();
  return body.token;
}

async function fleetStatus(cookie: string): Promise<FleetInstanceStatus[]> {
  const response = await call("/api/fleet/status", { cookie });
  return fleetStatusSchema.parse(await response.json()).instances;
}

/** Enrolls an instance whose reporter sent one snapshot. */
async function liveInstance(cookie: string): Promise<{ instanceId: string; ping: () => Promise<void>; close: () => void }> {
  const { instance_id: instanceId, token } = await createInstance(cookie);
  const reporter = await connectReporter(instanceId, token);
  reporter.send({ type: "snapshot", snapshot: snapshot(instanceId) });
  await flushReporter(reporter);
  return { instanceId, ping: () => flushReporter(reporter), close: () => reporter.ws.close(1000, "test done") };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("GET /metrics", () => {
  it("parses with one series per instance and metric", async () => {
    const cookie = await login();
    const first = await liveInstance(cookie);
    const second = await liveInstance(cookie);
    await call(`/api/instances/${first.instanceId}/price`, { cookie, method: "PUT", body: { source: "manual", hourly_price: 0.5, currency: "USD" } });
    const token = await readToken(cookie);

    const response = await SELF.fetch(`${ORIGIN}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
    const families = parsePrometheusTextFormat(await response.text());

    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/plain; version=0.0.4");
    expect(families.length).toBeGreaterThanOrEqual(15);
    for (const family of families) {
      const priced = family.name.endsWith("hourly_price") || family.name.endsWith("spend_total");
      const ids = family.metrics.map((sample) => sample.labels?.instance_id);
      expect(ids.filter((id) => id === first.instanceId), `${family.name} for the priced instance`).toHaveLength(1);
      expect(ids.filter((id) => id === second.instanceId), `${family.name} for the unpriced instance`).toHaveLength(priced ? 0 : 1);
    }
    first.close();
    second.close();
  });

  it("reports a connected instance as up", async () => {
    const cookie = await login();
    const live = await liveInstance(cookie);
    const token = await readToken(cookie);

    const text = await (await SELF.fetch(`${ORIGIN}/metrics`, { headers: { Authorization: `Bearer ${token}` } })).text();
    const up = parsePrometheusTextFormat(text).find((family) => family.name === "comfycarry_instance_up");

    expect(up?.metrics.find((sample) => sample.labels?.instance_id === live.instanceId)?.value).toBe("1");
    live.close();
  });

  it("rejects an anonymous scrape", async () => {
    const response = await SELF.fetch(`${ORIGIN}/metrics`);

    expect(response.status).toBe(401);
  });
});

describe("GET /api/fleet/status", () => {
  it("lists uptime, idle state and spend", async () => {
    const cookie = await login();
    const live = await liveInstance(cookie);
    await call(`/api/instances/${live.instanceId}/price`, { cookie, method: "PUT", body: { source: "manual", hourly_price: 2, currency: "CNY" } });
    await stubOf(live.instanceId).rewindForTest(HOUR_MS);
    // A live reporter keeps pinging through the hour; without a ping it would read as offline.
    await live.ping();

    const status = (await fleetStatus(cookie)).find((entry) => entry.instance_id === live.instanceId);

    expect(status?.online).toBe(true);
    expect(status?.uptime_s).toBeGreaterThanOrEqual(3_600);
    expect(status?.price?.currency).toBe("CNY");
    expect(status?.spend).toBeGreaterThanOrEqual(2);
    expect(status?.spend).toBeLessThan(2.1);
    expect(status?.idle).not.toBeNull();
    live.close();
  });

  it("marks an instance never connected as not gone", async () => {
    const cookie = await login();
    const { instance_id: instanceId } = await createInstance(cookie);

    const status = (await fleetStatus(cookie)).find((entry) => entry.instance_id === instanceId);

    expect(status?.online).toBe(false);
    expect(status?.gone).toBe(false);
    expect(status?.uptime_s).toBe(0);
    expect(status?.spend).toBeNull();
  });
});

describe("PUT /api/instances/:id/price", () => {
  function stubProviders(): string[] {
    const seen: string[] = [];
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.host === "vast.stub") {
        seen.push(`${url.pathname} ${new Headers(init?.headers).get("Authorization") ?? ""}`);
        return Response.json({ instances: { id: 4242, dph_total: 0.35, actual_status: "running" } });
      }
      if (url.host === "runpod.stub") {
        seen.push(`${url.pathname} ${new Headers(init?.headers).get("Authorization") ?? ""}`);
        return url.pathname === "/v1/pods/missing" ? Response.json({ error: "not found" }, { status: 404 }) : Response.json({ id: "pod1", costPerHr: "0.74" });
      }
      return realFetch(input, init);
    });
    return seen;
  }

  const providerEnv = { ...env, VAST_BASE_URL: "https://vast.stub", VAST_API_KEY: "vast-key", RUNPOD_BASE_URL: "https://runpod.stub", RUNPOD_API_KEY: "runpod-key" };

  async function putPrice(cookie: string, instanceId: string, body: unknown, bindings: typeof env = providerEnv): Promise<Response> {
    return app.request(
      `${ORIGIN}/api/instances/${instanceId}/price`,
      { method: "PUT", headers: { Cookie: cookie, Origin: ORIGIN, "Content-Type": "application/json" }, body: JSON.stringify(body) },
      bindings,
    );
  }

  it("reads a vast.ai price with the API key", async () => {
    const seen = stubProviders();
    const cookie = await login();
    const { instance_id: instanceId } = await createInstance(cookie);

    const response = await putPrice(cookie, instanceId, { source: "vast", provider_id: "4242" });
    const price = instancePriceSchema.parse(await response.json());

    expect(response.status).toBe(200);
    expect(price.hourly_price).toBe(0.35);
    expect(price.currency).toBe("USD");
    expect(seen).toEqual(["/api/v0/instances/4242/ Bearer vast-key"]);
  });

  it("reads a RunPod price from costPerHr", async () => {
    stubProviders();
    const cookie = await login();
    const { instance_id: instanceId } = await createInstance(cookie);

    const price = instancePriceSchema.parse(await (await putPrice(cookie, instanceId, { source: "runpod", provider_id: "pod1" })).json());

    expect(price.hourly_price).toBe(0.74);
    expect(price.source).toBe("runpod");
  });

  it("returns provider_failed for an unknown pod", async () => {
    stubProviders();
    const cookie = await login();
    const { instance_id: instanceId } = await createInstance(cookie);

    const response = await putPrice(cookie, instanceId, { source: "runpod", provider_id: "missing" });
    const body: { error: { code: string; params?: Record<string, unknown> } } = await response.json();

    expect(response.status).toBe(502);
    expect(body.error.code).toBe("provider_failed");
    expect(body.error.params?.reason).toBe("not_found");
  });

  it("names the missing key when none is set", async () => {
    const seen = stubProviders();
    const cookie = await login();
    const { instance_id: instanceId } = await createInstance(cookie);

    const response = await putPrice(cookie, instanceId, { source: "vast", provider_id: "1" }, { ...env, VAST_API_KEY: undefined, VAST_BASE_URL: "https://vast.stub" });
    const body: { error: { code: string; message: string } } = await response.json();

    expect(body.error.code).toBe("provider_failed");
    expect(body.error.message).toContain("VAST_API_KEY");
    expect(seen).toEqual([]);
  });

  it("rejects a read-scope token", async () => {
    const cookie = await login();
    const { instance_id: instanceId } = await createInstance(cookie);
    const token = await readToken(cookie);

    const response = await call(`/api/instances/${instanceId}/price`, { method: "PUT", origin: null, headers: { Authorization: `Bearer ${token}` }, body: { source: "manual", hourly_price: 1 } });

    expect(response.status).toBe(403);
  });
});

describe("GET /api/instances/:id/history", () => {
  it("returns the snapshot as a point", async () => {
    const cookie = await login();
    const live = await liveInstance(cookie);

    const response = await call(`/api/instances/${live.instanceId}/history?range=1h`, { cookie });
    const history = historyResponseSchema.parse(await response.json());

    expect(history.range).toBe("1h");
    expect(history.samples).toHaveLength(1);
    expect(history.samples[0]?.gpu_util_percent).not.toBeNull();
    live.close();
  });

  it("rejects an unknown range", async () => {
    const cookie = await login();
    const { instance_id: instanceId } = await createInstance(cookie);

    const response = await call(`/api/instances/${instanceId}/history?range=7d`, { cookie });

    expect(response.status).toBe(400);
  });
});
