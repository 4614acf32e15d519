import { randomUUID } from "node:crypto";

import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";

import { PROTOCOL_VERSION, toUtcTimestamp } from "@comfycarry/shared";
import type { WireError } from "@comfycarry/shared";

import { EdgeLink } from "../../src/link/edge-link.js";
import type { CommandRunner, ReporterHello } from "../../src/link/edge-link.js";
import { createRootLogger } from "../../src/log/logger.js";
import { FakeEdge, waitFor } from "../helpers/fake-edge.js";
import { exampleOverview } from "../helpers/overview.js";

// Hostile frames from the edge side of the reporter's link: random JSON, broken JSON, unicode
// soup and near-miss protocol frames. The link must ignore or answer them, stay connected,
// keep its heartbeat, and never stop for good.

const log = createRootLogger({ level: "silent" });
const FRAME_TYPES = ["welcome", "viewers", "command", "pong", "refused", "hello", "__proto__", ""];
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const unicodeText = fc.string({ unit: "grapheme", maxLength: 300 });

const hostileFrame = fc.oneof(
  jsonValue.map((value) => JSON.stringify(value)),
  unicodeText,
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.constantFrom("{", "[]", "null", "\u0000", "{\"type\":\"command\",\"id\":\"x\"}", "{\"type\":\"viewers\",\"count\":-1}"),
  fc
    .record(
      { type: fc.constantFrom(...FRAME_TYPES), id: fc.oneof(fc.uuid(), unicodeText), name: unicodeText, args: jsonValue, deadline: unicodeText, count: fc.integer(), viewers: jsonValue, error: jsonValue, at: unicodeText },
      { requiredKeys: ["type"] },
    )
    .map((value) => JSON.stringify(value)),
);

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

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

describe("the reporter's edge link under hostile frames", () => {
  it("stays connected, keeps pinging and never stops for good", async () => {
    const edge = await FakeEdge.start();
    cleanups.push(() => edge.close());
    const fatal: WireError[] = [];
    const commands: CommandRunner = { execute: () => Promise.resolve({ ok: false, error: { code: "unknown_command", message: "test runner" } }) };
    const link = new EdgeLink({
      url: edge.url,
      token: "tok_0123456789abcdef0123",
      log,
      hello,
      snapshot: () => Promise.resolve(exampleOverview()),
      commands,
      timing: { heartbeatMs: 20, stableAfterMs: 60_000 },
      backoff: { initialMs: 20, maxMs: 1_000, factor: 2, random: () => 1 },
    });
    link.on("fatal", (error) => fatal.push(error));
    cleanups.push(() => link.stop());
    link.start();
    await waitFor("welcome", () => link.connected);

    await fc.assert(
      fc.asyncProperty(fc.array(hostileFrame, { minLength: 1, maxLength: 5 }), async (frames) => {
        const connection = edge.last;
        for (const frame of frames) {
          connection.socket.send(frame);
        }
        const pings = connection.frames.filter((frame) => frame.type === "ping").length;
        await waitFor("a ping after the hostile frames", () => connection.frames.filter((frame) => frame.type === "ping").length > pings);

        expect(edge.connections).toHaveLength(1);
        expect(fatal).toEqual([]);
      }),
      { numRuns: 40 },
    );

    expect(link.connected).toBe(true);
    expect(edge.last.invalid).toEqual([]);
  });

  it("answers a well-formed command with an unknown name instead of running it", async () => {
    const edge = await FakeEdge.start();
    cleanups.push(() => edge.close());
    const ran: string[] = [];
    const link = new EdgeLink({
      url: edge.url,
      token: "tok_0123456789abcdef0123",
      log,
      hello,
      snapshot: () => Promise.resolve(exampleOverview()),
      commands: { execute: (command) => Promise.resolve((ran.push(command.name), { ok: true, data: null })) },
      backoff: { initialMs: 20, maxMs: 1_000, factor: 2, random: () => 1 },
    });
    cleanups.push(() => link.stop());
    link.start();
    await waitFor("welcome", () => link.connected);
    const id = randomUUID();

    edge.last.socket.send(JSON.stringify({ type: "command", id, name: "shell.exec; rm -rf /", args: { cmd: "id" }, deadline: toUtcTimestamp(new Date(Date.now() + 5_000)) }));
    await waitFor("the command result", () => edge.framesOf("command_result").length > 0);

    expect(ran).toEqual([]);
    expect(edge.framesOf("command_result")[0]).toMatchObject({ id, ok: false, error: { code: "unknown_command" } });
  });
});
