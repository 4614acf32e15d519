// Alerts judged by the instance object from real reporter frames, with the object's clock moved
// by rewindForTest, and notifications sent through a stubbed fetch that records each request.
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { alertListSchema, alertSchema, alertSummarySchema, autoStopStatusSchema, notifyChannelViewSchema, toUtcTimestamp } from "@comfycarry/shared";
import type { Alert, Overview, ProtocolEvent } from "@comfycarry/shared";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";

import { call, connectReporter, createInstance, flushReporter, login, snapshot } from "./helpers.js";
import type { ReporterProbe } from "./helpers.js";

/** Requests to stubbed hosts, as `METHOD path` with the JSON body. */
type Seen = { method: string; path: string; body: unknown };

/** Hosts the stubbed fetch responds for; any other outbound request fails, so no test reaches a real host. */
const hooks = new Map<string, { statuses: number[]; received: unknown[]; seen: Seen[]; reply?: (seen: Seen) => Response }>();

// Installed for the whole file: the objects' own alarms may fire between tests.
beforeAll(() => {
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const hook = hooks.get(url.host);
    if (hook === undefined) {
      throw new TypeError(`outbound fetch to ${url.host} is blocked in tests`);
    }
    const seen: Seen = { method: init?.method ?? "GET", path: url.pathname, body: typeof init?.body === "string" ? JSON.parse(init.body) : null };
    hook.seen.push(seen);
    if (hook.reply !== undefined) {
      return hook.reply(seen);
    }
    hook.received.push(seen.body);
    return new Response("", { status: hook.statuses.shift() ?? 200 });
  });
});

afterAll(() => {
  vi.restoreAllMocks();
});

function stubOf(instanceId: string) {
  return env.INSTANCES.get(env.INSTANCES.idFromName(instanceId));
}

const GiB = 1024 ** 3;

function withDisk(instanceId: string, usedPercent: number): Overview {
  const base = snapshot(instanceId);
  const total = 100 * GiB;
  const used = (usedPercent / 100) * total;
  return { ...base, system: { ...base.system, disk: { path: "/workspace", total_bytes: total, used_bytes: used, free_bytes: total - used } } };
}

async function alertsOf(instanceId: string, cookie: string, state = "active"): Promise<Alert[]> {
  const response = await call(`/api/instances/${instanceId}/alerts?state=${state}`, { cookie });
  expect(response.status).toBe(200);
  return alertListSchema.parse(await response.json()).alerts;
}

async function sendSnapshot(reporter: ReporterProbe, overview: Overview): Promise<void> {
  reporter.send({ type: "snapshot", snapshot: overview });
  await flushReporter(reporter);
}

async function sendEvent(reporter: ReporterProbe, event: ProtocolEvent): Promise<void> {
  reporter.send({ type: "event", event });
  await flushReporter(reporter);
}

async function setup(): Promise<{ cookie: string; instanceId: string; reporter: ReporterProbe }> {
  const cookie = await login();
  const { instance_id, token } = await createInstance(cookie);
  const reporter = await connectReporter(instance_id, token);
  return { cookie, instanceId: instance_id, reporter };
}

function syncFinished(ruleId: string, status: "failed" | "success"): ProtocolEvent {
  const at = toUtcTimestamp();
  return {
    kind: "sync.job.finished",
    at,
    job: { id: crypto.randomUUID(), rule_id: ruleId, reason: "watch", attempt: 0, started_at: at, finished_at: at, status, files: 0, bytes: 0, errors: 0, exit_code: status === "failed" ? 1 : 0, error_code: status === "failed" ? "remote_unreachable" : null, error_message: null },
    failure: null,
  };
}

describe("usage alerts", () => {
  it("raises a disk warning above 85 %", async () => {
    const { cookie, instanceId, reporter } = await setup();
    await sendSnapshot(reporter, withDisk(instanceId, 90));

    const [alert] = await alertsOf(instanceId, cookie);
    expect(alert).toMatchObject({ rule: "disk_usage", severity: "warning", state: "active", params: { percent: 90 } });
  });

  it("raises none at 85 % or below", async () => {
    const { cookie, instanceId, reporter } = await setup();
    await sendSnapshot(reporter, withDisk(instanceId, 85));

    expect(await alertsOf(instanceId, cookie)).toEqual([]);
  });

  it("turns critical above 95 %", async () => {
    const { cookie, instanceId, reporter } = await setup();
    await sendSnapshot(reporter, withDisk(instanceId, 90));
    await sendSnapshot(reporter, withDisk(instanceId, 97));

    const active = await alertsOf(instanceId, cookie);
    expect(active.map((alert) => alert.severity)).toEqual(["critical"]);
    expect((await alertsOf(instanceId, cookie, "cleared")).map((alert) => alert.severity)).toEqual(["warning"]);
  });

  it("clears when the disk frees up", async () => {
    const { cookie, instanceId, reporter } = await setup();
    await sendSnapshot(reporter, withDisk(instanceId, 90));
    await sendSnapshot(reporter, withDisk(instanceId, 50));

    expect(await alertsOf(instanceId, cookie)).toEqual([]);
    const [cleared] = await alertsOf(instanceId, cookie, "cleared");
    expect(cleared?.cleared_at).not.toBeNull();
  });

  it("raises VRAM and temperature per GPU", async () => {
    const { cookie, instanceId, reporter } = await setup();
    const base = snapshot(instanceId);
    const gpu = base.system.gpus[0];
    if (gpu === undefined) {
      throw new Error("the example snapshot has no GPU");
    }
    const hot = { ...gpu, temperature_c: 88, memory_used_bytes: 0.96 * (gpu.memory_total_bytes ?? 0) };
    await sendSnapshot(reporter, { ...base, system: { ...base.system, gpus: [hot] } });

    const rules = (await alertsOf(instanceId, cookie)).map((alert) => `${alert.key} ${alert.severity}`).sort();
    expect(rules).toEqual(["gpu_temperature:0 warning", "vram_usage:0 critical"]);
  });
});

describe("service alerts", () => {
  it("raises GPU lost on an NVML failure", async () => {
    const { cookie, instanceId, reporter } = await setup();
    const base = snapshot(instanceId);
    const gpuError = { code: "nvml_failed" as const, message: "Failed to initialize NVML: Unknown Error", since: toUtcTimestamp() };
    await sendSnapshot(reporter, { ...base, system: { ...base.system, gpu_error: gpuError } });

    expect((await alertsOf(instanceId, cookie)).map((alert) => alert.rule)).toEqual(["gpu_lost"]);
  });

  it("waits 30 s before ComfyUI down", async () => {
    const { cookie, instanceId, reporter } = await setup();
    const base = snapshot(instanceId);
    await sendSnapshot(reporter, { ...base, comfyui: { ...base.comfyui, online: false, state: "offline" } });
    expect(await alertsOf(instanceId, cookie)).toEqual([]);

    await stubOf(instanceId).rewindForTest(31_000);
    await flushReporter(reporter);
    await runDurableObjectAlarm(stubOf(instanceId));

    expect((await alertsOf(instanceId, cookie)).map((alert) => alert.rule)).toEqual(["comfyui_down"]);
  });

  it("raises no ComfyUI alert when it recovers in time", async () => {
    const { cookie, instanceId, reporter } = await setup();
    const base = snapshot(instanceId);
    await sendSnapshot(reporter, { ...base, comfyui: { ...base.comfyui, online: false, state: "crashed" } });
    await stubOf(instanceId).rewindForTest(10_000);
    await sendSnapshot(reporter, base);
    await stubOf(instanceId).rewindForTest(30_000);
    await flushReporter(reporter);
    await runDurableObjectAlarm(stubOf(instanceId));

    expect(await alertsOf(instanceId, cookie, "all")).toEqual([]);
  });

  it("raises a crash loop after three restarts", async () => {
    const { cookie, instanceId, reporter } = await setup();
    for (const restarts of [0, 1, 2, 3]) {
      await sendEvent(reporter, { kind: "service.changed", at: toUtcTimestamp(), name: "comfy", status: "online", restarts });
    }

    const [alert] = await alertsOf(instanceId, cookie);
    expect(alert).toMatchObject({ rule: "crash_loop", key: "crash_loop:comfy", params: { restarts: 3 } });
  });

  it("clears a crash loop after five quiet minutes", async () => {
    const { cookie, instanceId, reporter } = await setup();
    for (const restarts of [0, 3]) {
      await sendEvent(reporter, { kind: "service.changed", at: toUtcTimestamp(), name: "comfy", status: "online", restarts });
    }
    await stubOf(instanceId).rewindForTest(5 * 60_000 + 1_000);
    await flushReporter(reporter);
    await runDurableObjectAlarm(stubOf(instanceId));

    expect(await alertsOf(instanceId, cookie)).toEqual([]);
  });

  it("raises sync failing on the third failure in a row", async () => {
    const { cookie, instanceId, reporter } = await setup();
    await sendEvent(reporter, syncFinished("outputs", "failed"));
    await sendEvent(reporter, syncFinished("outputs", "failed"));
    expect(await alertsOf(instanceId, cookie)).toEqual([]);

    await sendEvent(reporter, syncFinished("outputs", "failed"));
    expect((await alertsOf(instanceId, cookie)).map((alert) => alert.key)).toEqual(["sync_failing:outputs"]);

    await sendEvent(reporter, syncFinished("outputs", "success"));
    expect(await alertsOf(instanceId, cookie)).toEqual([]);
  });
});

describe("offline alert", () => {
  it("waits two minutes, then clears on reconnect", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const first = await connectReporter(instanceId, token);
    first.ws.close(1000, "test");
    await first.closed();
    await runDurableObjectAlarm(stubOf(instanceId));
    expect(await alertsOf(instanceId, cookie)).toEqual([]);

    await stubOf(instanceId).rewindForTest(121_000);
    await runDurableObjectAlarm(stubOf(instanceId));
    expect((await alertsOf(instanceId, cookie)).map((alert) => alert.rule)).toEqual(["instance_offline"]);

    const second = await connectReporter(instanceId, token);
    await flushReporter(second);
    expect(await alertsOf(instanceId, cookie)).toEqual([]);
  });
});

describe("acknowledging", () => {
  it("marks the alert acknowledged", async () => {
    const { cookie, instanceId, reporter } = await setup();
    await sendSnapshot(reporter, withDisk(instanceId, 90));
    const [alert] = await alertsOf(instanceId, cookie);

    const response = await call(`/api/instances/${instanceId}/alerts/${alert?.id ?? "none"}/ack`, { method: "POST", cookie });
    expect(response.status).toBe(200);
    expect(alertSchema.parse(await response.json()).acknowledged_at).not.toBeNull();
  });

  it("clears a failed download", async () => {
    const { cookie, instanceId, reporter } = await setup();
    const at = toUtcTimestamp();
    const job = {
      id: "job-1", position: 0, status: "failed" as const, source_kind: "direct" as const, url: "https://example.test/model.safetensors", folder: "loras", file_name: "model.safetensors",
      total_bytes: null, downloaded_bytes: 0, speed_bytes_per_s: 0, sha256: null, error: null, created_at: at, updated_at: at, finished_at: at,
    };
    await sendEvent(reporter, { kind: "download.job", at, job });
    const [alert] = await alertsOf(instanceId, cookie);
    expect(alert?.rule).toBe("download_failed");

    await call(`/api/instances/${instanceId}/alerts/${alert?.id ?? "none"}/ack`, { method: "POST", cookie });
    expect(await alertsOf(instanceId, cookie)).toEqual([]);
  });

  it("returns 404 for an unknown alert", async () => {
    const { cookie, instanceId } = await setup();
    const response = await call(`/api/instances/${instanceId}/alerts/nope/ack`, { method: "POST", cookie });
    expect(response.status).toBe(404);
  });
});

describe("fleet alert list", () => {
  it("lists alerts of every instance", async () => {
    const { cookie, instanceId, reporter } = await setup();
    await sendSnapshot(reporter, withDisk(instanceId, 99));

    const response = await call("/api/alerts?state=active&limit=500", { cookie });
    const { alerts } = alertListSchema.parse(await response.json());
    expect(alerts.some((alert) => alert.instance_id === instanceId && alert.rule === "disk_usage")).toBe(true);
  });

  it("counts active alerts in the summary", async () => {
    const { cookie, instanceId, reporter } = await setup();
    await sendSnapshot(reporter, withDisk(instanceId, 99));

    const summary = alertSummarySchema.parse(await (await call("/api/alerts/summary", { cookie })).json());
    expect(summary.instances.find((item) => item.instance_id === instanceId)).toEqual({ instance_id: instanceId, active: 1, critical: 1 });
  });

  it("drops an instance from the summary when its alerts clear", async () => {
    const { cookie, instanceId, reporter } = await setup();
    await sendSnapshot(reporter, withDisk(instanceId, 99));
    await sendSnapshot(reporter, withDisk(instanceId, 10));

    const summary = alertSummarySchema.parse(await (await call("/api/alerts/summary", { cookie })).json());
    expect(summary.instances.map((item) => item.instance_id)).not.toContain(instanceId);
  });

  it("rejects an invalid state", async () => {
    const response = await call("/api/alerts?state=bogus", { cookie: await login() });
    expect(response.status).toBe(400);
  });
});

describe("notifications", () => {
  /** Responds to requests for `host` with the statuses given, then 200, recording every body. */
  function stubHook(host: string, statuses: number[]): unknown[] {
    const received: unknown[] = [];
    hooks.set(host, { statuses, received, seen: [] });
    return received;
  }

  const added: Array<{ cookie: string; id: string }> = [];

  async function addWebhook(cookie: string, host: string): Promise<void> {
    const response = await call("/api/notify/channels", { cookie, body: { kind: "webhook", name: "hook", url: `http://${host}/hook?token=hook-secret`, topics: { alerts: true, prompts: true } } });
    expect(response.status).toBe(201);
    const { id } = notifyChannelViewSchema.parse(await response.json());
    added.push({ cookie, id });
  }

  // Channels are fleet-wide, so each test removes its own before the next one raises alerts.
  afterEach(async () => {
    for (const { cookie, id } of added.splice(0)) {
      await call(`/api/notify/channels/${id}`, { method: "DELETE", cookie });
    }
    hooks.clear();
  });

  it("delivers the disk alert once after a 500", async () => {
    const host = `${crypto.randomUUID().slice(0, 8)}.hook.test`;
    const received = stubHook(host, [500]);
    const { cookie, instanceId, reporter } = await setup();
    await addWebhook(cookie, host);

    await sendSnapshot(reporter, withDisk(instanceId, 91));
    await sendSnapshot(reporter, withDisk(instanceId, 92));
    await runDurableObjectAlarm(stubOf(instanceId));
    expect(received).toHaveLength(1);

    await stubOf(instanceId).rewindForTest(11_000);
    await runDurableObjectAlarm(stubOf(instanceId));
    await runDurableObjectAlarm(stubOf(instanceId));

    const raised = received.filter((body) => JSON.stringify(body).includes('"alert.raised"'));
    expect(raised).toHaveLength(2);
    expect(raised[0]).toEqual(raised[1]);
    expect(raised[1]).toMatchObject({ rule: "disk_usage", instance_id: instanceId });
  });

  it("sends prompt finished once per prompt", async () => {
    const host = `${crypto.randomUUID().slice(0, 8)}.hook.test`;
    const received = stubHook(host, []);
    const { cookie, instanceId, reporter } = await setup();
    await addWebhook(cookie, host);
    const finished: ProtocolEvent = { kind: "comfyui.execution_success", at: toUtcTimestamp(), prompt_id: "p-1", nodes_done: 3, node_count: 3, duration_ms: 4200 };

    await sendEvent(reporter, finished);
    await runDurableObjectAlarm(stubOf(instanceId));
    await sendEvent(reporter, finished);
    await runDurableObjectAlarm(stubOf(instanceId));

    const prompts = received.filter((body) => JSON.stringify(body).includes('"prompt.finished"'));
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toMatchObject({ prompt_id: "p-1", text: "Prompt p-1 finished in 4 s" });
  });

  it("never returns a channel's URL", async () => {
    const cookie = await login();
    await addWebhook(cookie, "listed.hook.test");

    const text = await (await call("/api/notify/channels", { cookie })).text();
    expect(text).toContain("listed.hook.test");
    expect(text).not.toContain("hook-secret");
  });
});

describe("auto-stop", () => {
  const VAST = "vast.stub";

  /** Serves a fake vast.ai on VAST_BASE_URL: the price lookup and the stop call. */
  function fakeVast(): Seen[] {
    const seen: Seen[] = [];
    hooks.set(VAST, {
      statuses: [],
      received: [],
      seen,
      reply: (request) => (request.method === "GET" ? Response.json({ instances: { dph_total: 0.5 } }) : Response.json({ success: true })),
    });
    return seen;
  }

  afterEach(() => {
    hooks.clear();
  });

  async function idleInstance(sync: Overview["sync"]) {
    const seen = fakeVast();
    const { cookie, instanceId, reporter } = await setup();
    expect((await call(`/api/instances/${instanceId}/price`, { method: "PUT", cookie, body: { source: "vast", provider_id: "4242" } })).status).toBe(200);
    const settings = { idle_alert_minutes: 45, hourly_price: null, currency: "CNY", auto_stop_grace_minutes: 10 };
    expect((await call(`/api/instances/${instanceId}/alert-settings`, { method: "PUT", cookie, body: settings })).status).toBe(200);
    const base = snapshot(instanceId);
    const idle = { ...base, comfyui: { ...base.comfyui, queue_running: 0, queue_pending: 0 }, sync };
    await sendSnapshot(reporter, idle);
    return { seen, cookie, instanceId, reporter, idle };
  }

  async function autoStopOf(instanceId: string, cookie: string) {
    return autoStopStatusSchema.parse(await (await call(`/api/instances/${instanceId}/auto-stop`, { cookie })).json());
  }

  async function advance(instanceId: string, reporter: ReporterProbe, ms: number): Promise<void> {
    await stubOf(instanceId).rewindForTest(ms);
    await flushReporter(reporter);
    await runDurableObjectAlarm(stubOf(instanceId));
  }

  const synced: Overview["sync"] = { available: true, worker_running: true, rules_count: 1, last_activity: null, last_status: "success", safe: true, unsynced_files: 0 };
  const unsynced: Overview["sync"] = { ...synced, safe: false, unsynced_files: 3 };

  function stopCalls(seen: Seen[]): Seen[] {
    return seen.filter((request) => request.method === "PUT" && request.path === "/api/v0/instances/4242/");
  }

  it("raises the idle alert with the money spent", async () => {
    const { cookie, instanceId, reporter } = await idleInstance(synced);
    await advance(instanceId, reporter, 46 * 60_000);

    const [alert] = await alertsOf(instanceId, cookie);
    expect(alert).toMatchObject({ rule: "gpu_idle", params: { currency: "USD" } });
    expect(alert?.params.spent).toBeCloseTo(0.38, 1);
  });

  it("waits for the grace period", async () => {
    const { seen, cookie, instanceId, reporter } = await idleInstance(synced);
    await advance(instanceId, reporter, 46 * 60_000);
    await advance(instanceId, reporter, 5 * 60_000);

    expect(stopCalls(seen)).toHaveLength(0);
    expect((await autoStopOf(instanceId, cookie)).state).toBe("scheduled");
  });

  it("stops once idle time and grace passed", async () => {
    const { seen, cookie, instanceId, reporter } = await idleInstance(synced);
    await advance(instanceId, reporter, 46 * 60_000);
    await advance(instanceId, reporter, 11 * 60_000);

    expect(stopCalls(seen)).toHaveLength(1);
    expect(stopCalls(seen)[0]?.body).toEqual({ state: "stopped" });
    expect((await autoStopOf(instanceId, cookie)).state).toBe("stopped");
  });

  it("waits with unsynced files and says why", async () => {
    const { seen, cookie, instanceId, reporter, idle } = await idleInstance(unsynced);
    await advance(instanceId, reporter, 46 * 60_000);
    await advance(instanceId, reporter, 11 * 60_000);

    expect(stopCalls(seen)).toHaveLength(0);
    expect(await autoStopOf(instanceId, cookie)).toMatchObject({ state: "waiting", reason: "unsynced_files", unsynced_files: 3 });

    await sendSnapshot(reporter, { ...idle, sync: synced });
    await advance(instanceId, reporter, 61_000);
    expect(stopCalls(seen)).toHaveLength(1);
  });

  it("cancels when work starts", async () => {
    const { seen, cookie, instanceId, reporter, idle } = await idleInstance(synced);
    await advance(instanceId, reporter, 46 * 60_000);
    await sendSnapshot(reporter, { ...idle, comfyui: { ...idle.comfyui, queue_running: 1 } });
    await advance(instanceId, reporter, 11 * 60_000);

    expect(stopCalls(seen)).toHaveLength(0);
    expect((await autoStopOf(instanceId, cookie)).state).toBe("off");
  });
});
