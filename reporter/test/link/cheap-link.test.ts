import { afterEach, describe, expect, it } from "vitest";

import { EDGE_FEATURE_PING_AUTO_RESPONSE, EDGE_FEATURE_SNAPSHOT_DELTA, PING_FRAME, PROTOCOL_VERSION, toUtcTimestamp } from "@comfycarry/shared";
import type { Overview, ProtocolEvent } from "@comfycarry/shared";

import { EdgeLink } from "../../src/link/edge-link.js";
import type { EdgeLinkOptions, ReporterHello } from "../../src/link/edge-link.js";
import { isLiveOnly } from "../../src/link/live-events.js";
import { SnapshotSequence } from "../../src/link/snapshot-delta.js";
import { createRootLogger } from "../../src/log/logger.js";
import { FakeEdge, waitFor } from "../helpers/fake-edge.js";
import type { FakeEdgeOptions } from "../helpers/fake-edge.js";
import { exampleOverview } from "../helpers/overview.js";

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

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function startPair(edgeOptions: FakeEdgeOptions, overrides: Partial<EdgeLinkOptions> = {}): Promise<{ edge: FakeEdge; link: EdgeLink }> {
  const edge = await FakeEdge.start(edgeOptions);
  cleanups.push(() => edge.close());
  const link = new EdgeLink({
    url: edge.url,
    token: "tok_0123456789abcdef0123",
    log,
    hello,
    snapshot: () => Promise.resolve(exampleOverview()),
    commands: { execute: () => Promise.resolve({ ok: true, data: null }) },
    ...overrides,
    timing: { stableAfterMs: 60_000, ...overrides.timing },
  });
  cleanups.push(() => link.stop());
  link.start();
  return { edge, link };
}

function withCpu(overview: Overview, usage: number): Overview {
  return { ...overview, system: { ...overview.system, cpu: { ...overview.system.cpu, usage_percent: usage } } };
}

const progress: ProtocolEvent = { kind: "comfyui.progress", at: toUtcTimestamp(), prompt_id: "p1", nodes_done: 1, node_count: 3, node: "3", node_class: "KSampler", value: 4, max: 20 };
const finished: ProtocolEvent = { kind: "comfyui.execution_success", at: toUtcTimestamp(), prompt_id: "p1", nodes_done: 3, node_count: 3, duration_ms: 1200 };

describe("constant ping", () => {
  it("sends the exact auto-response text to an edge that offers it", async () => {
    const { edge } = await startPair({ features: [EDGE_FEATURE_PING_AUTO_RESPONSE] }, { timing: { heartbeatMs: 20 } });

    await waitFor("a ping", () => edge.framesOf("ping").length > 0);

    expect(edge.last.raw.filter((text) => text.includes('"ping"'))[0]).toBe(PING_FRAME);
  });

  it("sends timestamped pings to an older edge", async () => {
    const { edge } = await startPair({}, { timing: { heartbeatMs: 20 } });

    await waitFor("a ping", () => edge.framesOf("ping").length > 0);

    expect(edge.framesOf("ping")[0]?.at).toBeDefined();
  });
});

describe("unwatched events", () => {
  it("leaves out live-only events while nobody watches", async () => {
    const { edge, link } = await startPair({ welcomeViewers: 0 });
    await waitFor("the welcome", () => link.connected);

    link.sendEvent(progress);
    link.sendEvent(finished);
    await waitFor("the finished event", () => edge.framesOf("event").length > 0);

    expect(edge.framesOf("event").map((frame) => frame.event.kind)).toEqual(["comfyui.execution_success"]);
  });

  it("sends live-only events while watched", async () => {
    const { edge, link } = await startPair({ welcomeViewers: 1 });
    await waitFor("the welcome", () => link.connected);

    link.sendEvent(progress);
    await waitFor("the progress event", () => edge.framesOf("event").length > 0);

    expect(edge.framesOf("event")[0]?.event.kind).toBe("comfyui.progress");
  });

  it("classifies error logs as alert-worthy", () => {
    expect(isLiveOnly({ kind: "log", at: toUtcTimestamp(), source: "comfyui", level: "info", lines: ["x"] })).toBe(true);
    expect(isLiveOnly({ kind: "log", at: toUtcTimestamp(), source: "comfyui", level: "error", lines: ["x"] })).toBe(false);
  });
});

describe("snapshot sequence", () => {
  it("sends full snapshots until one is acknowledged", () => {
    const sequence = new SnapshotSequence(true);

    const first = sequence.frame(exampleOverview());
    const second = sequence.frame(withCpu(exampleOverview(), 55));

    expect(first.type).toBe("snapshot");
    expect(second.type).toBe("snapshot");
  });

  it("sends a smaller delta against the acknowledged base", () => {
    const sequence = new SnapshotSequence(true);
    // One example for both frames: each call stamps its own capture time.
    const overview = exampleOverview();
    const base = sequence.frame(overview);
    sequence.acknowledge(1, true);

    const next = sequence.frame(withCpu(overview, 55));

    expect(base.type).toBe("snapshot");
    expect(next).toEqual({ type: "snapshot_delta", seq: 2, base_seq: 1, patch: { system: { cpu: { usage_percent: 55 } } } });
  });

  it("sends full snapshots to an edge without deltas", () => {
    const sequence = new SnapshotSequence(false);
    sequence.frame(exampleOverview());
    sequence.acknowledge(1, true);

    expect(sequence.frame(withCpu(exampleOverview(), 55)).type).toBe("snapshot");
  });

  it("falls back to full after a rejected delta", () => {
    const sequence = new SnapshotSequence(true);
    sequence.frame(exampleOverview());
    sequence.acknowledge(1, true);
    sequence.frame(withCpu(exampleOverview(), 55));

    sequence.acknowledge(2, false);

    expect(sequence.frame(withCpu(exampleOverview(), 56)).type).toBe("snapshot");
  });

  it("sends full when a value turns null", () => {
    const sequence = new SnapshotSequence(true);
    const overview = exampleOverview();
    sequence.frame(overview);
    sequence.acknowledge(1, true);

    const next = sequence.frame({ ...overview, comfyui: { ...overview.comfyui, version: null } });

    expect(next.type).toBe("snapshot");
  });

  it("resends a full snapshot when the edge rejects a delta", async () => {
    let usage = 10;
    const { edge } = await startPair(
      { features: [EDGE_FEATURE_SNAPSHOT_DELTA], welcomeViewers: 1 },
      { snapshot: () => Promise.resolve(withCpu(exampleOverview(), (usage += 1))), timing: { watchedSnapshotMs: 30 } },
    );
    await waitFor("a numbered snapshot", () => edge.framesOf("snapshot").some((frame) => frame.seq !== undefined));
    const firstSeq = edge.framesOf("snapshot")[0]?.seq ?? 0;
    edge.last.send({ type: "snapshot_ack", seq: firstSeq, ok: true });
    await waitFor("a delta", () => edge.framesOf("snapshot_delta").length > 0);
    const delta = edge.framesOf("snapshot_delta")[0];
    const fullBefore = edge.framesOf("snapshot").length;

    edge.last.send({ type: "snapshot_ack", seq: delta?.seq ?? 0, ok: false });
    await waitFor("a full snapshot after the rejection", () => edge.framesOf("snapshot").length > fullBefore);

    expect(delta?.base_seq).toBe(firstSeq);
  });
});
