// Ten real reporter processes with simulated GPUs on one local edge: the fleet status lists
// all ten live with a price and spend, and /metrics parses with a Prometheus text parser
// into one series per instance and metric. Half the prices come from the loopback fakes of
// vast.ai and RunPod, as the edge reads them with an API key.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { FakeProviders } from "@comfycarry/fake-providers";
import { fleetStatusSchema } from "@comfycarry/shared";
import type { FleetInstanceStatus } from "@comfycarry/shared";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { LocalFleet, waitFor } from "../src/index.js";

const COUNT = 10;

let stateDir: string;
let providers: FakeProviders;
let fleet: LocalFleet;
let readToken: string;

async function fleetStatus(): Promise<FleetInstanceStatus[]> {
  const response = await fleet.request("/api/fleet/status");
  return fleetStatusSchema.parse(await response.json()).instances;
}

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "comfycarry-fleet-"));
  providers = new FakeProviders({ vastApiKey: "vast-test-key", runpodApiKey: "runpod-test-key" });
  await providers.start();
  providers.vast.set("1001", { id: "1001", dollarsPerHour: 0.42, state: "running" });
  providers.runpod.set("podfleet", { id: "podfleet", dollarsPerHour: 0.74, state: "running" });

  fleet = await LocalFleet.start({
    stateDir,
    count: COUNT,
    edgeVars: { VAST_BASE_URL: providers.vastBaseUrl, VAST_API_KEY: "vast-test-key", RUNPOD_BASE_URL: providers.runpodBaseUrl, RUNPOD_API_KEY: "runpod-test-key" },
  });

  await waitFor(
    `all ${COUNT} reporters online with a snapshot`,
    async () => (await fleetStatus()).filter((status) => status.online && status.gpu_util_percent !== null).length === COUNT,
    150_000,
    1_000,
  );

  for (const [index, member] of fleet.members.entries()) {
    const body =
      index === 0
        ? { source: "vast", provider_id: "1001" }
        : index === 1
          ? { source: "runpod", provider_id: "podfleet" }
          : { source: "manual", hourly_price: 1 + index / 10, currency: index % 2 === 0 ? "USD" : "CNY" };
    const response = await fleet.request(`/api/instances/${member.instanceId}/price`, { method: "PUT", body });
    if (!response.ok) {
      throw new Error(`setting the price of ${member.name} failed with ${response.status}: ${await response.text()}`);
    }
  }

  const created = await fleet.request("/api/tokens", { method: "POST", body: { name: "prometheus", scope: "read" } });
  readToken = ((await created.json()) as { token: string }).token;
}, 300_000);

afterAll(async () => {
  await fleet?.stop();
  await providers?.stop();
  await rm(stateDir, { recursive: true, force: true });
});

describe("ten reporters on one edge", () => {
  it("lists all ten live with spend", async () => {
    const statuses = await fleetStatus();
    const ours = statuses.filter((status) => fleet.members.some((member) => member.instanceId === status.instance_id));

    expect(ours).toHaveLength(COUNT);
    for (const status of ours) {
      expect(status.online, `${status.name} online`).toBe(true);
      expect(status.price, `${status.name} price`).not.toBeNull();
      expect(status.spend, `${status.name} spend`).not.toBeNull();
      expect(status.uptime_s, `${status.name} uptime`).toBeGreaterThan(0);
    }
  });

  it("reads provider prices with the API keys", async () => {
    const statuses = await fleetStatus();
    const vast = statuses.find((status) => status.instance_id === fleet.members[0]?.instanceId);
    const runpod = statuses.find((status) => status.instance_id === fleet.members[1]?.instanceId);

    expect(vast?.price?.hourly_price).toBe(0.42);
    expect(vast?.price?.source).toBe("vast");
    expect(runpod?.price?.hourly_price).toBe(0.74);
    expect(providers.requests.filter((request) => request.authorized && request.status === 200)).toHaveLength(2);
  });

  it("serves /metrics with one series per instance and metric", async () => {
    const response = await fleet.request("/metrics", { bearer: readToken });
    const families = parsePrometheusTextFormat(await response.text());

    expect(response.status).toBe(200);
    expect(families.length).toBeGreaterThanOrEqual(15);
    for (const family of families) {
      for (const member of fleet.members) {
        const series = family.metrics.filter((sample) => sample.labels?.instance_id === member.instanceId);
        expect(series, `${family.name} for ${member.name}`).toHaveLength(1);
      }
    }
  });

  it("reports every reporter as up in /metrics", async () => {
    const text = await (await fleet.request("/metrics", { bearer: readToken })).text();
    const up = parsePrometheusTextFormat(text).find((family) => family.name === "comfycarry_instance_up");

    expect(up?.metrics.filter((sample) => sample.value === "1")).toHaveLength(COUNT);
  });

  it("rejects /metrics without a token", async () => {
    const response = await fetch(`${fleet.edge.url}/metrics`);

    expect(response.status).toBe(401);
  });
});
