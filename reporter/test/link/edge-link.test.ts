import { randomUUID } from "node:crypto";

import { afterEach, describe, expect, it } from "vitest";

import { PROTOCOL_VERSION, toUtcTimestamp } from "@comfycarry/shared";
import type { WireError } from "@comfycarry/shared";

import { EdgeLink } from "../../src/link/edge-link.js";
import type { CommandRunner, EdgeLinkOptions, ReporterHello } from "../../src/link/edge-link.js";
import { createRootLogger } from "../../src/log/logger.js";
import { FakeEdge, waitFor } from "../helpers/fake-edge.js";
import type { FakeEdgeOptions } from "../helpers/fake-edge.js";
import { exampleOverview } from "../helpers/overview.js";

const TOKEN = "tok_0123456789abcdef0123";
const log = createRootLogger({ level: "silent" });

function hello(): ReporterHello {
  return {
    type: "hello",
    protocol_version: PROTOCOL_VERSION,
    instance_id: "gpu-1",
    reporter_version: "0.1.0",
    started_at: toUtcTimestamp(),
    host: { hostname: "box", platform: "linux", arch: "x64", node_version: "v22.13.0", cpu_model: "cpu", cpu_cores: 2, memory_total_bytes: 1, gpu_names: [] },
  };
}

const noCommands: CommandRunner = { execute: () => Promise.resolve({ ok: true, data: null }) };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function startEdge(options: FakeEdgeOptions = {}): Promise<FakeEdge> {
  const edge = await FakeEdge.start(options);
  cleanups.push(() => edge.close());
  return edge;
}

function startLink(edge: FakeEdge, overrides: Partial<EdgeLinkOptions> = {}): EdgeLink {
  const link = new EdgeLink({
    url: edge.url,
    token: TOKEN,
    log,
    hello,
    snapshot: () => Promise.resolve(exampleOverview()),
    commands: noCommands,
    backoff: { initialMs: 20, maxMs: 1_000, factor: 2, random: () => 1 },
    ...overrides,
    timing: { stableAfterMs: 60_000, ...overrides.timing },
  });
  cleanups.push(() => link.stop());
  link.start();
  return link;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("edge link", () => {
  it("sends hello with the bearer token on connect", async () => {
    const edge = await startEdge();
    startLink(edge);

    await waitFor("a hello frame", () => edge.framesOf("hello").length === 1);

    expect(edge.last.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(edge.last.frames[0]?.type).toBe("hello");
  });

  it("sends a snapshot after welcome", async () => {
    const edge = await startEdge();
    startLink(edge);

    await waitFor("a snapshot frame", () => edge.framesOf("snapshot").length === 1);

    expect(edge.last.frames.map((frame) => frame.type)).toEqual(["hello", "snapshot"]);
  });

  it("sends no snapshot before welcome", async () => {
    const edge = await startEdge({ welcomeViewers: null });
    startLink(edge);

    await waitFor("a hello frame", () => edge.framesOf("hello").length === 1);
    await sleep(100);

    expect(edge.framesOf("snapshot")).toHaveLength(0);
  });

  it("says hello again after the edge drops the socket", async () => {
    const edge = await startEdge();
    startLink(edge);
    await waitFor("the first snapshot", () => edge.framesOf("snapshot").length === 1);

    edge.last.socket.terminate();

    await waitFor("a second connection with a snapshot", () => edge.connections.length === 2 && edge.last.frames.some((frame) => frame.type === "snapshot"));
    expect(edge.last.frames[0]?.type).toBe("hello");
  });

  it("grows the backoff while the edge rejects upgrades", async () => {
    const edge = await startEdge({ rejectStatus: () => 503 });
    const link = startLink(edge);
    const delays: number[] = [];
    link.on("reconnecting", (delay) => delays.push(delay));

    await waitFor("three reconnect delays", () => delays.length >= 3);

    expect(delays.slice(0, 3)).toEqual([20, 40, 80]);
  });

  it("resets the backoff after a stable connection", async () => {
    let reject = true;
    const edge = await startEdge({ rejectStatus: () => (reject ? 503 : null) });
    const link = startLink(edge, { timing: { stableAfterMs: 30 } });
    const delays: number[] = [];
    link.on("reconnecting", (delay) => delays.push(delay));
    await waitFor("two reconnect delays", () => delays.length >= 2);
    reject = false;
    await waitFor("a welcomed connection", () => link.connected);
    await sleep(80);

    delays.length = 0;
    edge.last.socket.terminate();
    await waitFor("a reconnect delay", () => delays.length >= 1);

    expect(delays[0]).toBe(20);
  });

  it("sends snapshots often while viewers watch", async () => {
    const edge = await startEdge({ welcomeViewers: 0 });
    startLink(edge, { timing: { watchedSnapshotMs: 20, unwatchedSnapshotMs: 60_000 } });
    await waitFor("the welcome snapshot", () => edge.framesOf("snapshot").length === 1);
    await sleep(100);
    expect(edge.framesOf("snapshot")).toHaveLength(1);

    edge.last.send({ type: "viewers", count: 2 });

    await waitFor("four watched snapshots", () => edge.framesOf("snapshot").length >= 5);
  });

  it("slows snapshots when the last viewer leaves", async () => {
    const edge = await startEdge({ welcomeViewers: 1 });
    startLink(edge, { timing: { watchedSnapshotMs: 20, unwatchedSnapshotMs: 60_000 } });
    await waitFor("watched snapshots", () => edge.framesOf("snapshot").length >= 3);

    edge.last.send({ type: "viewers", count: 0 });
    await sleep(50);
    const settled = edge.framesOf("snapshot").length;
    await sleep(150);

    expect(edge.framesOf("snapshot")).toHaveLength(settled);
  });

  it("skips a snapshot that fails the schema", async () => {
    const edge = await startEdge();
    const broken = { ...exampleOverview(), captured_at: "yesterday" };
    startLink(edge, { snapshot: () => Promise.resolve(broken) });

    await waitFor("a welcomed connection", () => edge.framesOf("hello").length === 1);
    await sleep(100);

    expect(edge.framesOf("snapshot")).toHaveLength(0);
  });

  it("stops for good when replaced", async () => {
    const edge = await startEdge({ welcomeViewers: null });
    const link = startLink(edge);
    const fatal: WireError[] = [];
    link.on("fatal", (error) => fatal.push(error));
    await waitFor("a hello frame", () => edge.framesOf("hello").length === 1);

    edge.last.send({ type: "refused", error: { code: "replaced", message: "another container took this instance" } });
    edge.last.socket.close(4000, "replaced");
    await waitFor("a fatal event", () => fatal.length === 1);
    await sleep(100);

    expect(fatal[0]?.code).toBe("replaced");
    expect(edge.connections).toHaveLength(1);
  });

  it("stops for good on a 401 upgrade", async () => {
    const edge = await startEdge({ rejectStatus: () => 401 });
    const link = startLink(edge);
    const fatal: WireError[] = [];
    link.on("fatal", (error) => fatal.push(error));

    await waitFor("a fatal event", () => fatal.length === 1);

    expect(fatal[0]?.code).toBe("unauthorized");
  });

  it("retries slowly on an unsupported protocol version", async () => {
    const edge = await startEdge({ welcomeViewers: null });
    const link = startLink(edge, { timing: { unsupportedRetryMs: 45_000 } });
    const delays: number[] = [];
    link.on("reconnecting", (delay) => delays.push(delay));
    await waitFor("a hello frame", () => edge.framesOf("hello").length === 1);

    edge.last.socket.close(4000, "protocol_version_unsupported");
    await waitFor("a reconnect delay", () => delays.length === 1);

    expect(delays[0]).toBe(45_000);
  });

  it("announces an outdated reporter", async () => {
    const edge = await startEdge({ welcomeViewers: null });
    const link = startLink(edge, { timing: { unsupportedRetryMs: 45_000 } });
    const outdated: WireError[] = [];
    link.on("outdated", (error) => outdated.push(error));
    await waitFor("a hello frame", () => edge.framesOf("hello").length === 1);

    edge.last.socket.close(4000, "protocol_version_unsupported");
    await waitFor("an outdated event", () => outdated.length === 1);

    expect(outdated[0]?.code).toBe("protocol_version_unsupported");
  });

  it("ignores frames that do not parse", async () => {
    const edge = await startEdge({ welcomeViewers: null });
    const link = startLink(edge);
    await waitFor("a hello frame", () => edge.framesOf("hello").length === 1);

    edge.last.socket.send("{not json");
    edge.last.socket.send(JSON.stringify({ type: "welcome", viewers: "many" }));
    edge.last.send({ type: "welcome", protocol_version: PROTOCOL_VERSION, instance_id: "gpu-1", viewers: 0, server_time: toUtcTimestamp() });

    await waitFor("a welcomed connection", () => link.connected);
  });

  it("answers an unknown command with unknown_command", async () => {
    const edge = await startEdge();
    startLink(edge);
    await waitFor("a snapshot", () => edge.framesOf("snapshot").length === 1);
    const id = randomUUID();

    edge.last.socket.send(JSON.stringify({ type: "command", id, name: "shell.exec", args: { cmd: "rm -rf /" }, deadline: toUtcTimestamp(new Date(Date.now() + 5_000)) }));
    await waitFor("a command result", () => edge.framesOf("command_result").length === 1);

    const result = edge.framesOf("command_result")[0];
    expect(result?.ok === false ? result.error.code : null).toBe("unknown_command");
  });

  it("relays a command outcome with its id", async () => {
    const edge = await startEdge();
    const runner: CommandRunner = { execute: (command) => Promise.resolve({ ok: true, data: { ran: command.name } }) };
    startLink(edge, { commands: runner });
    await waitFor("a snapshot", () => edge.framesOf("snapshot").length === 1);
    const id = randomUUID();

    edge.last.send({ type: "command", id, name: "comfyui.queue.clear", args: {}, deadline: toUtcTimestamp(new Date(Date.now() + 5_000)) });
    await waitFor("a command result", () => edge.framesOf("command_result").length === 1);

    expect(edge.framesOf("command_result")[0]).toEqual({ type: "command_result", id, ok: true, data: { ran: "comfyui.queue.clear" } });
  });

  it("pings on the heartbeat interval", async () => {
    const edge = await startEdge();
    startLink(edge, { timing: { heartbeatMs: 20 } });

    await waitFor("two pings", () => edge.framesOf("ping").length >= 2);
  });
});

describe("edge link clock", () => {
  it("takes the clock offset from welcome", async () => {
    const edge = await startEdge({ welcomeViewers: null });
    const link = startLink(edge);
    await waitFor("a hello frame", () => edge.framesOf("hello").length === 1);

    edge.last.send({ type: "welcome", protocol_version: PROTOCOL_VERSION, instance_id: "gpu-1", viewers: 0, server_time: toUtcTimestamp(new Date(Date.now() + 120_000)) });
    await waitFor("a welcomed connection", () => link.connected);

    expect(link.clockOffsetMs).toBeGreaterThan(110_000);
  });
});
