import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { OFFLINE_AFTER_MS, alertListSchema, instanceOverviewSchema } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { UNWATCHED_HEARTBEAT_DELAY_MS } from "../src/instance/heartbeat.js";
import { call, connectReporter, createInstance, flushReporter, hello, login, openBrowser, openReporter, snapshot } from "./helpers.js";

function stubOf(instanceId: string) {
  return env.INSTANCES.get(env.INSTANCES.idFromName(instanceId));
}

/** Milliseconds from now until the object's alarm, or null when none is set. */
async function alarmIn(instanceId: string): Promise<number | null> {
  const alarm = await runInDurableObject(stubOf(instanceId), (_object, state) => state.storage.getAlarm());
  return alarm === null ? null : alarm - Date.now();
}

async function fetchOverview(instanceId: string, cookie: string) {
  const response = await call(`/api/instances/${instanceId}/overview`, { cookie });
  expect(response.status).toBe(200);
  return instanceOverviewSchema.parse(await response.json());
}

describe("overview", () => {
  it("is empty and offline before any reporter", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);

    const overview = await fetchOverview(instance_id, cookie);
    expect(overview).toMatchObject({ instance_id, online: false, snapshot: null, snapshot_age_ms: null, last_seen_at: null });
    expect(overview.offline_since).not.toBeNull();
  });

  it("serves the stored snapshot with its age", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    const reporter = await connectReporter(instance_id, token);
    const sent = snapshot(instance_id);
    reporter.send({ type: "snapshot", snapshot: sent });
    await flushReporter(reporter);
    await stubOf(instance_id).rewindForTest(5_000);

    const overview = await fetchOverview(instance_id, cookie);
    expect(overview.snapshot).toEqual(sent);
    expect(overview.snapshot_age_ms).toBeGreaterThanOrEqual(5_000);
    expect(overview.online).toBe(true);
  });

  it("keeps the snapshot while the reporter is offline", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    const reporter = await connectReporter(instance_id, token);
    const sent = snapshot(instance_id);
    reporter.send({ type: "snapshot", snapshot: sent });
    await flushReporter(reporter);
    const browser = await openBrowser(instance_id, cookie);
    await browser.next("overview");
    reporter.ws.close(1000, "test done");
    await browser.next("overview", (frame) => !frame.overview.online);

    const overview = await fetchOverview(instance_id, cookie);
    expect(overview.snapshot).toEqual(sent);
    expect(overview.online).toBe(false);
    expect(overview.offline_since).not.toBeNull();
  });

  it("returns 404 for an unknown instance", async () => {
    const response = await call("/api/instances/never-enrolled-x1/overview", { cookie: await login() });

    expect(response.status).toBe(404);
  });

  it("rejects a snapshot for another instance", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    const reporter = await connectReporter(instance_id, token);
    reporter.send({ type: "snapshot", snapshot: snapshot("someone-else") });
    await flushReporter(reporter);

    expect((await fetchOverview(instance_id, cookie)).snapshot).toBeNull();
  });
});

describe("heartbeat", () => {
  it("marks the instance offline after 60 s of silence", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    const reporter = await connectReporter(instance_id, token);
    const browser = await openBrowser(instance_id, cookie);
    expect((await browser.next("overview")).overview.online).toBe(true);

    await stubOf(instance_id).rewindForTest(61_000);
    expect(await runDurableObjectAlarm(stubOf(instance_id))).toBe(true);

    expect((await browser.next("overview")).overview.online).toBe(false);
    expect((await reporter.closed()).code).toBe(1001);
    expect((await fetchOverview(instance_id, cookie)).online).toBe(false);
  });

  it("keeps a reporter that pinged within 60 s", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    const reporter = await connectReporter(instance_id, token);
    await stubOf(instance_id).rewindForTest(61_000);
    await flushReporter(reporter);

    await runDurableObjectAlarm(stubOf(instance_id));

    expect((await fetchOverview(instance_id, cookie)).online).toBe(true);
    expect(reporter.closeEvent).toBeNull();
  });

  it("refuses a socket that never says hello", async () => {
    const { instance_id, token } = await createInstance(await login());
    const reporter = await openReporter(token);

    await stubOf(instance_id).rewindForTest(61_000);
    await runDurableObjectAlarm(stubOf(instance_id));

    expect((await reporter.next("refused")).error.code).toBe("invalid_message");
    expect(await reporter.closed()).toEqual({ code: 4000, reason: "invalid_message" });
  });
});

describe("unwatched heartbeat", () => {
  it("arms the alarm later without browsers", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    await connectReporter(instance_id, token);

    expect(await alarmIn(instance_id)).toBeGreaterThan(OFFLINE_AFTER_MS);
  });

  it("arms the alarm at the limit when watched", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    await connectReporter(instance_id, token);

    const browser = await openBrowser(instance_id, cookie);
    await browser.next("overview");

    expect(await alarmIn(instance_id)).toBeLessThanOrEqual(OFFLINE_AFTER_MS);
  });

  it("reads a quiet reporter as offline before the alarm", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    const reporter = await connectReporter(instance_id, token);

    await stubOf(instance_id).rewindForTest(OFFLINE_AFTER_MS + 1_000);
    const overview = await fetchOverview(instance_id, cookie);

    expect(overview.online).toBe(false);
    expect(overview.offline_since).not.toBeNull();
    expect(reporter.closeEvent).toBeNull();
  });

  it("raises the offline alert when the late alarm fires", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    const reporter = await connectReporter(instance_id, token);

    await stubOf(instance_id).rewindForTest(OFFLINE_AFTER_MS + UNWATCHED_HEARTBEAT_DELAY_MS + 1_000);
    await runDurableObjectAlarm(stubOf(instance_id));
    const alerts = alertListSchema.parse(await (await call(`/api/instances/${instance_id}/alerts?state=active`, { cookie })).json()).alerts;

    expect((await reporter.closed()).code).toBe(1001);
    expect(alerts.map((alert) => alert.rule)).toContain("instance_offline");
  });
});

describe("browser link updates", () => {
  it("send an overview on connect", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);
    const browser = await openBrowser(instance_id, cookie);

    const frame = await browser.next("overview");
    expect(frame.overview).toMatchObject({ instance_id, online: false });
  });

  it("send an overview when the reporter connects", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    const browser = await openBrowser(instance_id, cookie);
    await browser.next("overview");
    await connectReporter(instance_id, token);

    expect((await browser.next("overview")).overview.online).toBe(true);
  });

  it("send an overview on every snapshot", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    const reporter = await connectReporter(instance_id, token);
    const browser = await openBrowser(instance_id, cookie);
    await browser.next("overview");
    reporter.send({ type: "snapshot", snapshot: snapshot(instance_id) });

    const frame = await browser.next("overview");
    expect(frame.overview.snapshot?.instance_id).toBe(instance_id);
  });

  it("fan out reporter events", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    const reporter = await connectReporter(instance_id, token);
    const browsers = [await openBrowser(instance_id, cookie), await openBrowser(instance_id, cookie)];
    const event = { kind: "comfyui.queue", at: new Date().toISOString(), queue_running: 1, queue_pending: 2 } as const;
    reporter.send({ type: "event", event });

    for (const browser of browsers) {
      expect(await browser.next("event")).toEqual({ type: "event", instance_id, event });
    }
  });
});

describe("viewers", () => {
  it("are counted up and down for the reporter", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    const reporter = await connectReporter(instance_id, token);

    const first = await openBrowser(instance_id, cookie);
    expect((await reporter.next("viewers")).count).toBe(1);
    await openBrowser(instance_id, cookie);
    expect((await reporter.next("viewers")).count).toBe(2);
    first.ws.close(1000, "tab closed");
    expect((await reporter.next("viewers")).count).toBe(1);
  });

  it("are in the welcome", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    await openBrowser(instance_id, cookie);
    const reporter = await openReporter(token);
    reporter.send(hello(instance_id));

    expect((await reporter.next("welcome")).viewers).toBe(1);
  });
});
