import { env, runInDurableObject } from "cloudflare:test";
import { MAX_MESSAGE_BYTES, toUtcTimestamp } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { hashInstanceToken } from "../src/auth/token.js";
import { call, connectReporter, createInstance, flushReporter, hello, login, openReporter } from "./helpers.js";

describe("reporter socket", () => {
  it("welcomes a reporter with a valid token", async () => {
    const { instance_id, token } = await createInstance(await login());
    const reporter = await openReporter(token);
    reporter.send(hello(instance_id));

    const welcome = await reporter.next("welcome");
    expect(welcome).toMatchObject({ protocol_version: 1, instance_id, viewers: 0 });
  });

  it("accepts the token as a query parameter", async () => {
    const { instance_id, token } = await createInstance(await login());
    const response = await call(`/api/reporter/ws?token=${encodeURIComponent(token)}`, { headers: { Upgrade: "websocket" } });
    const ws = response.webSocket;
    expect(ws).not.toBeNull();
    ws?.accept();
    const welcome = new Promise<string>((resolve) => ws?.addEventListener("message", (event) => resolve(String(event.data))));
    ws?.send(JSON.stringify(hello(instance_id)));

    expect(JSON.parse(await welcome)).toMatchObject({ type: "welcome", instance_id });
  });

  it("refuses an unknown token", async () => {
    const reporter = await openReporter("cct_not-a-real-token");

    const refused = await reporter.next("refused");
    expect(refused.error.code).toBe("unauthorized");
    expect(await reporter.closed()).toEqual({ code: 4000, reason: "unauthorized" });
  });

  it("refuses a connection without a token", async () => {
    const response = await call("/api/reporter/ws", { headers: { Upgrade: "websocket" } });
    const ws = response.webSocket;
    ws?.accept();
    const closed = new Promise<number>((resolve) => ws?.addEventListener("close", (event) => resolve(event.code)));

    expect(await closed).toBe(4000);
  });

  it("refuses an unsupported protocol version with a clear reason", async () => {
    const { instance_id, token } = await createInstance(await login());
    const reporter = await openReporter(token);
    reporter.send(hello(instance_id, 99));

    const refused = await reporter.next("refused");
    expect(refused.error.code).toBe("protocol_version_unsupported");
    expect(refused.error.message).toContain("protocol version 99 is not supported");
    expect(refused.error.params).toEqual({ received: 99, min: 1, max: 1 });
    expect(await reporter.closed()).toEqual({ code: 4000, reason: "protocol_version_unsupported" });
  });

  it("refuses a hello that names another instance", async () => {
    const cookie = await login();
    const first = await createInstance(cookie);
    const second = await createInstance(cookie);
    const reporter = await openReporter(first.token);
    reporter.send(hello(second.instance_id));

    const refused = await reporter.next("refused");
    expect(refused.error.code).toBe("unauthorized");
    expect(await reporter.closed()).toEqual({ code: 4000, reason: "unauthorized" });
  });

  it("closes a socket whose first frame is not hello", async () => {
    const { token } = await createInstance(await login());
    const reporter = await openReporter(token);
    reporter.send({ type: "ping", at: toUtcTimestamp() });

    expect((await reporter.next("refused")).error.code).toBe("invalid_message");
    expect(await reporter.closed()).toEqual({ code: 4000, reason: "invalid_message" });
  });

  it("answers a ping with pong", async () => {
    const { instance_id, token } = await createInstance(await login());
    const reporter = await connectReporter(instance_id, token);
    reporter.send({ type: "ping", at: toUtcTimestamp() });

    expect((await reporter.next("pong")).type).toBe("pong");
  });

  it("survives invalid frames below the limit", async () => {
    const { instance_id, token } = await createInstance(await login());
    const reporter = await connectReporter(instance_id, token);
    reporter.send("not json");
    reporter.send({ type: "snapshot", snapshot: { nope: true } });

    await flushReporter(reporter);
    expect(reporter.closeEvent).toBeNull();
  });

  it("closes after repeated invalid frames", async () => {
    const { instance_id, token } = await createInstance(await login());
    const reporter = await connectReporter(instance_id, token);
    reporter.send("not json");
    reporter.send({ type: "bogus" });
    reporter.send({ type: "event", event: { kind: "nope" } });

    expect((await reporter.next("refused")).error.code).toBe("invalid_message");
    expect(await reporter.closed()).toEqual({ code: 4000, reason: "invalid_message" });
  });

  it("keeps the object working after garbage", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    const first = await connectReporter(instance_id, token);
    first.send("x");
    first.send("y");
    first.send("z");
    await first.closed();

    const second = await connectReporter(instance_id, token);
    await flushReporter(second);
    const overview = await call(`/api/instances/${instance_id}/overview`, { cookie });
    expect(await overview.json()).toMatchObject({ online: true });
  });

  it("counts a frame over MAX_MESSAGE_BYTES as invalid", async () => {
    const { instance_id, token } = await createInstance(await login());
    const reporter = await connectReporter(instance_id, token);
    const huge = "x".repeat(MAX_MESSAGE_BYTES + 1);
    reporter.send(huge);
    reporter.send(huge);
    reporter.send(huge);

    expect((await reporter.next("refused")).error.message).toContain("over the limit");
    expect(await reporter.closed()).toEqual({ code: 4000, reason: "invalid_message" });
  });

  it("replaces an older reporter connection", async () => {
    const { instance_id, token } = await createInstance(await login());
    const older = await connectReporter(instance_id, token);
    await connectReporter(instance_id, token);

    expect((await older.next("refused")).error.code).toBe("replaced");
    expect(await older.closed()).toEqual({ code: 4000, reason: "replaced" });
  });

  it("stores only the token hash", async () => {
    const { instance_id, token } = await createInstance(await login());
    const stub = env.FLEET.get(env.FLEET.idFromName("fleet"));

    const stored = await runInDurableObject(stub, (_, state) => JSON.stringify(state.storage.sql.exec("SELECT * FROM instances WHERE id = ?", instance_id).toArray()));
    expect(stored).toContain(await hashInstanceToken(token));
    expect(stored).not.toContain(token);
  });
});
