import { env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { commandResponseSchema, errorBodySchema } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { call, connectReporter, createInstance, flushBrowser, flushReporter, hello, login, openBrowser, openReporter, snapshot } from "./helpers.js";
import type { ReporterProbe } from "./helpers.js";

const RESTART_RESULT = { name: "comfy", status: "online", restarts: 1, pid: 4242 } as const;

function stubOf(instanceId: string) {
  return env.INSTANCES.get(env.INSTANCES.idFromName(instanceId));
}

/** Enrolls an instance, connects its reporter and opens one watching browser. */
async function connectedInstance() {
  const cookie = await login();
  const { instance_id, token } = await createInstance(cookie);
  const reporter = await connectReporter(instance_id, token);
  const browser = await openBrowser(instance_id, cookie);
  await browser.next("overview");
  await reporter.next("viewers");
  return { cookie, instanceId: instance_id, token, reporter, browser };
}

function postCommand(instanceId: string, cookie: string, body: unknown): Promise<Response> {
  return call(`/api/instances/${instanceId}/commands`, { cookie, body });
}

async function answer(reporter: ReporterProbe, data: unknown = RESTART_RESULT): Promise<string> {
  const command = await reporter.next("command");
  reporter.send({ type: "command_result", id: command.id, ok: true, data });
  return command.id;
}

describe("browser commands", () => {
  it("round-trip through the reporter", async () => {
    const { reporter, browser } = await connectedInstance();
    browser.send({ type: "command", request_id: "r-1", name: "service.restart", args: { name: "comfy" } });

    const accepted = await browser.next("command_accepted");
    expect(accepted.request_id).toBe("r-1");
    const command = await reporter.next("command");
    expect(command).toMatchObject({ id: accepted.command_id, name: "service.restart", args: { name: "comfy" } });
    reporter.send({ type: "command_result", id: command.id, ok: true, data: RESTART_RESULT });

    const result = await browser.next("command_result");
    expect(result).toEqual({ type: "command_result", request_id: "r-1", command_id: command.id, ok: true, data: RESTART_RESULT });
  });

  it("show the result to other browsers without the request id", async () => {
    const { cookie, instanceId, reporter, browser } = await connectedInstance();
    const other = await openBrowser(instanceId, cookie);
    await other.next("overview");
    browser.send({ type: "command", request_id: "r-2", name: "service.restart", args: { name: "comfy" } });
    const commandId = await answer(reporter);

    const seen = await other.next("command_result");
    expect(seen).toMatchObject({ request_id: null, command_id: commandId, ok: true });
  });

  it("get instance_offline without a reporter", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);
    const browser = await openBrowser(instance_id, cookie);
    await browser.next("overview");
    browser.send({ type: "command", request_id: "r-3", name: "comfyui.queue.clear", args: {} });

    const frame = await browser.next("error");
    expect(frame.request_id).toBe("r-3");
    expect(frame.error.code).toBe("instance_offline");
    expect(frame.error.message).toMatch(/^instance offline since \d{4}-\d\d-\d\dT/);
  });
});

describe("HTTP commands", () => {
  it("wait for the reporter's result", async () => {
    const { cookie, instanceId, reporter } = await connectedInstance();
    const pending = postCommand(instanceId, cookie, { name: "service.restart", args: { name: "comfy" } });
    const commandId = await answer(reporter);

    const response = await pending;
    expect(response.status).toBe(200);
    expect(commandResponseSchema.parse(await response.json())).toEqual({ command_id: commandId, ok: true, data: RESTART_RESULT });
  });

  it("pass a failed result through with 200", async () => {
    const { cookie, instanceId, reporter } = await connectedInstance();
    const pending = postCommand(instanceId, cookie, { name: "service.stop", args: { name: "missing" } });
    const command = await reporter.next("command");
    const error = { code: "service_not_found", message: "no PM2 process named missing" } as const;
    reporter.send({ type: "command_result", id: command.id, ok: false, error });

    const response = await pending;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ command_id: command.id, ok: false, error });
  });

  it("turn a result that breaks its schema into internal_error", async () => {
    const { cookie, instanceId, reporter } = await connectedInstance();
    const pending = postCommand(instanceId, cookie, { name: "comfyui.queue.clear" });
    await answer(reporter, { cleared: "all of them" });

    const body = commandResponseSchema.parse(await (await pending).json());
    expect(body.ok ? "ok" : body.error.code).toBe("internal_error");
  });

  it("answer 503 with the offline time without a reporter", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);
    const response = await postCommand(instance_id, cookie, { name: "comfyui.queue.clear" });

    expect(response.status).toBe(503);
    const { error } = errorBodySchema.parse(await response.json());
    expect(error.code).toBe("instance_offline");
    expect(error.message).toMatch(/^instance offline since \d{4}-\d\d-\d\dT/);
  });

  it("answer 503 after the reporter disconnects", async () => {
    const { cookie, instanceId, reporter, browser } = await connectedInstance();
    reporter.ws.close(1000, "container stopped");
    const offline = await browser.next("overview", (frame) => !frame.overview.online);

    const response = await postCommand(instanceId, cookie, { name: "comfyui.queue.clear" });
    expect(response.status).toBe(503);
    expect(errorBodySchema.parse(await response.json()).error.message).toBe(`instance offline since ${offline.overview.offline_since}`);
  });

  it("reject an unknown command with 400", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);
    const response = await postCommand(instance_id, cookie, { name: "shell.exec" });

    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(await response.json()).error.code).toBe("unknown_command");
  });

  it("reject invalid arguments with 400", async () => {
    const { cookie, instanceId } = await connectedInstance();
    const response = await postCommand(instanceId, cookie, { name: "service.start", args: { name: "" } });

    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(await response.json()).error.code).toBe("invalid_arguments");
  });

  it("reject a body that is not JSON with 400", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);
    const response = await postCommand(instance_id, cookie, "{oops");

    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(await response.json()).error.code).toBe("invalid_message");
  });
});

describe("command deadlines", () => {
  it("time out exactly once and drop a late result", async () => {
    const { instanceId, reporter, browser } = await connectedInstance();
    browser.send({ type: "command", request_id: "r-4", name: "service.restart", args: { name: "comfy" }, deadline_ms: 5_000 });
    const command = await reporter.next("command");

    await stubOf(instanceId).rewindForTest(6_000);
    await runDurableObjectAlarm(stubOf(instanceId));
    const timeout = await browser.next("command_result");
    expect(timeout).toMatchObject({ request_id: "r-4", command_id: command.id, ok: false, error: { code: "command_timeout" } });

    // A second alarm run and the late result must both leave the browser with nothing new.
    await runDurableObjectAlarm(stubOf(instanceId));
    reporter.send({ type: "command_result", id: command.id, ok: true, data: RESTART_RESULT });
    await flushReporter(reporter);
    await flushBrowser(browser);
    expect(browser.unread()).not.toContain("command_result");
  });

  it("answer an HTTP caller with 504 on timeout", async () => {
    const { cookie, instanceId, reporter } = await connectedInstance();
    const pending = postCommand(instanceId, cookie, { name: "comfyui.interrupt", args: {}, deadline_ms: 5_000 });
    await reporter.next("command");

    await stubOf(instanceId).rewindForTest(6_000);
    await runDurableObjectAlarm(stubOf(instanceId));

    const response = await pending;
    expect(response.status).toBe(504);
    expect(errorBodySchema.parse(await response.json()).error.code).toBe("command_timeout");
  });

  it("treat a result after the deadline as late before the alarm fires", async () => {
    const { instanceId, reporter, browser } = await connectedInstance();
    browser.send({ type: "command", request_id: "r-5", name: "service.restart", args: { name: "comfy" }, deadline_ms: 5_000 });
    const command = await reporter.next("command");
    await stubOf(instanceId).rewindForTest(6_000);

    reporter.send({ type: "command_result", id: command.id, ok: true, data: RESTART_RESULT });

    const result = await browser.next("command_result");
    expect(result).toMatchObject({ ok: false, error: { code: "command_timeout" } });
  });
});

describe("reporter reconnects", () => {
  it("re-send a pending command with the same id", async () => {
    const { instanceId, token, reporter, browser } = await connectedInstance();
    browser.send({ type: "command", request_id: "r-6", name: "service.restart", args: { name: "comfy" } });
    const first = await reporter.next("command");
    reporter.ws.close(1000, "network blip");
    await browser.next("overview", (frame) => !frame.overview.online);

    const next = await openReporter(token);
    next.send(hello(instanceId));
    await next.next("welcome");
    const again = await next.next("command");
    expect(again.id).toBe(first.id);
    expect(again.deadline).toBe(first.deadline);

    next.send({ type: "command_result", id: again.id, ok: true, data: RESTART_RESULT });
    expect(await browser.next("command_result")).toMatchObject({ request_id: "r-6", command_id: first.id, ok: true });
  });

  it("do not re-send a settled command", async () => {
    const { instanceId, token, reporter, browser } = await connectedInstance();
    browser.send({ type: "command", request_id: "r-7", name: "service.restart", args: { name: "comfy" } });
    await answer(reporter);
    await browser.next("command_result");
    reporter.ws.close(1000, "network blip");
    await browser.next("overview", (frame) => !frame.overview.online);

    const next = await connectReporter(instanceId, token);
    await flushReporter(next);
    expect(next.unread()).not.toContain("command");
  });
});

describe("hibernation", () => {
  it("keeps routing frames after the object is evicted", async () => {
    const { instanceId, reporter, browser } = await connectedInstance();
    await evictDurableObject(stubOf(instanceId), { webSockets: "hibernate" });

    reporter.send({ type: "snapshot", snapshot: snapshot(instanceId) });
    expect((await browser.next("overview")).overview).toMatchObject({ online: true, snapshot: { instance_id: instanceId } });

    browser.send({ type: "command", request_id: "r-8", name: "service.restart", args: { name: "comfy" } });
    const commandId = await answer(reporter);
    expect(await browser.next("command_result")).toMatchObject({ request_id: "r-8", command_id: commandId, ok: true });
  });

  it("still counts viewers after eviction", async () => {
    const { cookie, instanceId, reporter } = await connectedInstance();
    await evictDurableObject(stubOf(instanceId), { webSockets: "hibernate" });

    await openBrowser(instanceId, cookie);
    expect((await reporter.next("viewers")).count).toBe(2);
  });
});
