// The cheap idle link: constant pings answered by the runtime's auto-response (which the
// heartbeat must count as a sign of life), and snapshots sent as merge patches against the
// last acknowledged one, kept with the socket instead of in storage while nobody watches.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { EDGE_FEATURE_PING_AUTO_RESPONSE, EDGE_FEATURE_SNAPSHOT_DELTA, PING_FRAME, PROTOCOL_VERSION, instanceOverviewSchema } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import type { Overview } from "@comfycarry/shared";

import { PERSIST_INTERVAL_UNWATCHED_MS } from "../src/instance/held-snapshot.js";
import type { InstanceObject } from "../src/instance/instance-object.js";
import { call, connectReporter, createInstance, flushReporter, hello, login, openBrowser, openReporter, snapshot } from "./helpers.js";

function stubOf(instanceId: string) {
  return env.INSTANCES.get(env.INSTANCES.idFromName(instanceId));
}

async function overviewOf(instanceId: string, cookie: string) {
  return instanceOverviewSchema.parse(await (await call(`/api/instances/${instanceId}/overview`, { cookie })).json());
}

describe("constant ping", () => {
  it("is listed in the welcome features", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const reporter = await openReporter(token);
    reporter.send(hello(instanceId, PROTOCOL_VERSION));

    const welcome = await reporter.next("welcome");

    expect(welcome.features).toContain(EDGE_FEATURE_PING_AUTO_RESPONSE);
    expect(welcome.features).toContain(EDGE_FEATURE_SNAPSHOT_DELTA);
  });

  it("is answered by the runtime's auto-response", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const reporter = await connectReporter(instanceId, token);

    reporter.send(PING_FRAME);
    const pong = await reporter.next("pong");
    const autoReplied = await runInDurableObject(stubOf(instanceId), (_instance, state) =>
      state.getWebSockets("reporter").some((ws) => state.getWebSocketAutoResponseTimestamp(ws) !== null),
    );

    expect(pong.at).toBeUndefined();
    expect(autoReplied).toBe(true);
  });

  it("keeps the reporter online through the heartbeat", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const reporter = await connectReporter(instanceId, token);
    await stubOf(instanceId).rewindForTest(61_000);

    reporter.send(PING_FRAME);
    await reporter.next("pong");
    await runDurableObjectAlarm(stubOf(instanceId));

    expect((await overviewOf(instanceId, cookie)).online).toBe(true);
    expect(reporter.closeEvent).toBeNull();
  });
});

describe("snapshot delta", () => {
  it("updates the stored snapshot after an acknowledged base", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const reporter = await connectReporter(instanceId, token);
    reporter.send({ type: "snapshot", snapshot: snapshot(instanceId), seq: 1 });
    const first = await reporter.next("snapshot_ack");

    reporter.send({ type: "snapshot_delta", seq: 2, base_seq: 1, patch: { system: { cpu: { usage_percent: 77 } } } });
    const second = await reporter.next("snapshot_ack");

    expect(first).toEqual({ type: "snapshot_ack", seq: 1, ok: true });
    expect(second).toEqual({ type: "snapshot_ack", seq: 2, ok: true });
    expect((await overviewOf(instanceId, cookie)).snapshot?.system.cpu.usage_percent).toBe(77);
  });

  it("asks for a full snapshot after an unknown base", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const reporter = await connectReporter(instanceId, token);
    reporter.send({ type: "snapshot", snapshot: snapshot(instanceId), seq: 1 });
    await reporter.next("snapshot_ack");

    reporter.send({ type: "snapshot_delta", seq: 2, base_seq: 5, patch: { dashboard_version: "x" } });

    expect(await reporter.next("snapshot_ack")).toEqual({ type: "snapshot_ack", seq: 2, ok: false });
  });

  it("rejects a patch that breaks the overview", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const reporter = await connectReporter(instanceId, token);
    reporter.send({ type: "snapshot", snapshot: snapshot(instanceId), seq: 1 });
    await reporter.next("snapshot_ack");

    reporter.send({ type: "snapshot_delta", seq: 2, base_seq: 1, patch: { system: { cpu: { usage_percent: "busy" } } } });

    expect(await reporter.next("snapshot_ack")).toEqual({ type: "snapshot_ack", seq: 2, ok: false });
    expect((await overviewOf(instanceId, cookie)).snapshot?.system.cpu.usage_percent).not.toBe("busy");
  });

  it("stores an unnumbered snapshot without acknowledging", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const reporter = await connectReporter(instanceId, token);

    reporter.send({ type: "snapshot", snapshot: snapshot(instanceId) });
    reporter.send(PING_FRAME);
    await reporter.next("pong");

    expect(reporter.unread()).not.toContain("snapshot_ack");
  });
});

function withCpu(instanceId: string, usagePercent: number): Overview {
  const base = snapshot(instanceId);
  return { ...base, system: { ...base.system, cpu: { ...base.system.cpu, usage_percent: usagePercent } } };
}

/** CPU figure of the snapshot in the object's storage, leaving out one held by a socket. */
async function storedCpu(instanceId: string): Promise<number | null> {
  return runInDurableObject(stubOf(instanceId), (_object: InstanceObject, state) => {
    const record = state.storage.kv.get<{ overview: Overview }>("snapshot");
    return record === undefined ? null : record.overview.system.cpu.usage_percent;
  });
}

describe("unwatched snapshot", () => {
  it("is stored first on a new connection", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const reporter = await connectReporter(instanceId, token);

    reporter.send({ type: "snapshot", snapshot: withCpu(instanceId, 11), seq: 1 });
    await reporter.next("snapshot_ack");

    expect(await storedCpu(instanceId)).toBe(11);
  });

  it("is held with the socket within the interval", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const reporter = await connectReporter(instanceId, token);
    reporter.send({ type: "snapshot", snapshot: withCpu(instanceId, 11), seq: 1 });
    await reporter.next("snapshot_ack");

    reporter.send({ type: "snapshot", snapshot: withCpu(instanceId, 22), seq: 2 });
    await reporter.next("snapshot_ack");
    const overview = await overviewOf(instanceId, cookie);

    expect(await storedCpu(instanceId)).toBe(11);
    expect(overview.snapshot?.system.cpu.usage_percent).toBe(22);
    expect(overview.snapshot_age_ms).not.toBeNull();
  });

  it("takes a delta against the held base", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const reporter = await connectReporter(instanceId, token);
    reporter.send({ type: "snapshot", snapshot: withCpu(instanceId, 11), seq: 1 });
    await reporter.next("snapshot_ack");
    reporter.send({ type: "snapshot", snapshot: withCpu(instanceId, 22), seq: 2 });
    await reporter.next("snapshot_ack");

    reporter.send({ type: "snapshot_delta", seq: 3, base_seq: 2, patch: { system: { memory: { used_bytes: 1 } } } });
    const ack = await reporter.next("snapshot_ack");
    const overview = await overviewOf(instanceId, cookie);

    expect(ack).toEqual({ type: "snapshot_ack", seq: 3, ok: true });
    expect(overview.snapshot?.system.cpu.usage_percent).toBe(22);
    expect(overview.snapshot?.system.memory.used_bytes).toBe(1);
  });

  it("is stored again after the interval", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const reporter = await connectReporter(instanceId, token);
    reporter.send({ type: "snapshot", snapshot: withCpu(instanceId, 11), seq: 1 });
    await reporter.next("snapshot_ack");
    await stubOf(instanceId).rewindForTest(PERSIST_INTERVAL_UNWATCHED_MS);

    reporter.send({ type: "snapshot", snapshot: withCpu(instanceId, 33), seq: 2 });
    await reporter.next("snapshot_ack");

    expect(await storedCpu(instanceId)).toBe(33);
  });

  it("is stored when the reporter disconnects", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const reporter = await connectReporter(instanceId, token);
    reporter.send({ type: "snapshot", snapshot: withCpu(instanceId, 11), seq: 1 });
    await reporter.next("snapshot_ack");
    reporter.send({ type: "snapshot", snapshot: withCpu(instanceId, 44), seq: 2 });
    await reporter.next("snapshot_ack");

    reporter.ws.close(1000, "test done");
    for (let tries = 0; tries < 50 && (await overviewOf(instanceId, cookie)).online; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const overview = await overviewOf(instanceId, cookie);

    expect(overview.online).toBe(false);
    expect(await storedCpu(instanceId)).toBe(44);
    expect(overview.snapshot?.system.cpu.usage_percent).toBe(44);
  });

  it("is stored when a new connection replaces the old", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const first = await connectReporter(instanceId, token);
    first.send({ type: "snapshot", snapshot: withCpu(instanceId, 11), seq: 1 });
    await first.next("snapshot_ack");
    first.send({ type: "snapshot", snapshot: withCpu(instanceId, 55), seq: 2 });
    await first.next("snapshot_ack");

    const second = await connectReporter(instanceId, token);
    await flushReporter(second);

    expect(await storedCpu(instanceId)).toBe(55);
    expect((await overviewOf(instanceId, cookie)).snapshot?.system.cpu.usage_percent).toBe(55);
  });
});

describe("watched snapshot", () => {
  it("is stored every time", async () => {
    const cookie = await login();
    const { instance_id: instanceId, token } = await createInstance(cookie);
    const reporter = await connectReporter(instanceId, token);
    const browser = await openBrowser(instanceId, cookie);
    await browser.next("overview");
    reporter.send({ type: "snapshot", snapshot: withCpu(instanceId, 11), seq: 1 });
    await reporter.next("snapshot_ack");

    reporter.send({ type: "snapshot", snapshot: withCpu(instanceId, 66), seq: 2 });
    await reporter.next("snapshot_ack");

    expect(await storedCpu(instanceId)).toBe(66);
    browser.ws.close(1000, "test done");
  });
});
