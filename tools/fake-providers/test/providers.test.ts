import { afterEach, describe, expect, it } from "vitest";

import { FakeProviders } from "../src/index.js";

let fake: FakeProviders | null = null;

afterEach(async () => {
  await fake?.stop();
  fake = null;
});

async function started(options: ConstructorParameters<typeof FakeProviders>[0] = {}): Promise<FakeProviders> {
  fake = new FakeProviders(options);
  await fake.start();
  return fake;
}

describe("fake vast.ai", () => {
  it("returns the hourly price as dph_total", async () => {
    const providers = await started({ vastApiKey: "vast-key" });
    providers.vast.set("4242", { id: "4242", dollarsPerHour: 0.35, state: "running" });

    const response = await fetch(`${providers.vastBaseUrl}/api/v0/instances/4242/`, { headers: { Authorization: "Bearer vast-key" } });
    const body = (await response.json()) as { instances: { dph_total: number; actual_status: string } };

    expect(response.status).toBe(200);
    expect(body.instances.dph_total).toBe(0.35);
    expect(body.instances.actual_status).toBe("running");
  });

  it("stops an instance on PUT state stopped", async () => {
    const providers = await started({ vastApiKey: "vast-key" });
    providers.vast.set("7", { id: "7", dollarsPerHour: 1, state: "running" });

    const response = await fetch(`${providers.vastBaseUrl}/api/v0/instances/7/`, {
      method: "PUT",
      headers: { Authorization: "Bearer vast-key", "Content-Type": "application/json" },
      body: JSON.stringify({ state: "stopped" }),
    });

    expect(response.status).toBe(200);
    expect(providers.vast.get("7")?.state).toBe("stopped");
    expect(providers.stopCalls("vast", "7")).toBe(1);
  });

  it("rejects a wrong API key with 401", async () => {
    const providers = await started({ vastApiKey: "vast-key" });
    providers.vast.set("7", { id: "7", dollarsPerHour: 1, state: "running" });

    const response = await fetch(`${providers.vastBaseUrl}/api/v0/instances/7/`, { headers: { Authorization: "Bearer wrong" } });

    expect(response.status).toBe(401);
  });
});

describe("fake RunPod", () => {
  it("returns costPerHr as a decimal string", async () => {
    const providers = await started({ runpodApiKey: "rp-key" });
    providers.runpod.set("pod1", { id: "pod1", dollarsPerHour: 0.74, state: "running" });

    const response = await fetch(`${providers.runpodBaseUrl}/v1/pods/pod1`, { headers: { Authorization: "Bearer rp-key" } });
    const body = (await response.json()) as { costPerHr: string; desiredStatus: string };

    expect(body.costPerHr).toBe("0.74");
    expect(body.desiredStatus).toBe("RUNNING");
  });

  it("stops a pod on POST stop", async () => {
    const providers = await started({ runpodApiKey: "rp-key" });
    providers.runpod.set("pod1", { id: "pod1", dollarsPerHour: 0.74, state: "running" });

    const response = await fetch(`${providers.runpodBaseUrl}/v1/pods/pod1/stop`, { method: "POST", headers: { Authorization: "Bearer rp-key" } });

    expect(response.status).toBe(200);
    expect(providers.runpod.get("pod1")?.state).toBe("stopped");
    expect(providers.stopCalls("runpod", "pod1")).toBe(1);
  });

  it("answers injected failures with 500 first", async () => {
    const providers = await started({ failFirst: 1 });
    providers.runpod.set("pod1", { id: "pod1", dollarsPerHour: 0.74, state: "running" });

    const first = await fetch(`${providers.runpodBaseUrl}/v1/pods/pod1`);
    const second = await fetch(`${providers.runpodBaseUrl}/v1/pods/pod1`);

    expect(first.status).toBe(500);
    expect(second.status).toBe(200);
  });
});
