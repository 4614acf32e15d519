// The cheap idle link: constant pings answered by the runtime's auto-response (which the
// heartbeat must count as a sign of life), and snapshots sent as merge patches against the
// last acknowledged one.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { EDGE_FEATURE_PING_AUTO_RESPONSE, EDGE_FEATURE_SNAPSHOT_DELTA, PING_FRAME, PROTOCOL_VERSION, instanceOverviewSchema } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { call, connectReporter, createInstance, hello, login, openReporter, snapshot } from "./helpers.js";

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
