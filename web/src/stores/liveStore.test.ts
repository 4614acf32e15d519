import { createPinia, setActivePinia } from "pinia";
import { beforeEach, describe, expect, it } from "vitest";

import { readCachedOverview, writeCachedOverview } from "../lib/overviewCache";
import { exampleOverview } from "../test/fixtures";
import { useLiveStore } from "./liveStore";

import type { EdgeToBrowserMessage, ProtocolEvent } from "@comfycarry/shared";

const ID = "studio-4090";
const T0 = "2026-02-18T09:32:47.120Z";

function at(offsetMs: number): string {
  return new Date(Date.parse(T0) + offsetMs).toISOString();
}

function frame(message: EdgeToBrowserMessage): string {
  return JSON.stringify(message);
}

function eventFrame(event: ProtocolEvent): string {
  return frame({ type: "event", instance_id: ID, event });
}

function overviewFrame(capturedAt: string, online = true): string {
  const overview = exampleOverview({ online }, { captured_at: capturedAt });
  return frame({ type: "overview", overview });
}

const position = { prompt_id: "p-1", nodes_done: 2, node_count: 7 };

describe("liveStore.receiveFrame", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
  });

  it("applies an overview frame", () => {
    const store = useLiveStore();
    const outcome = store.receiveFrame(ID, overviewFrame(T0), 1000);
    expect(outcome).toEqual({ ok: true, type: "overview" });
    expect(store.stateOf(ID).overview?.snapshot?.captured_at).toBe(T0);
  });

  it("rejects a frame that is not JSON", () => {
    const store = useLiveStore();
    expect(store.receiveFrame(ID, "{nope")).toEqual({ ok: false, issues: "frame is not valid JSON" });
  });

  it("rejects a frame outside the schema and keeps the state", () => {
    const store = useLiveStore();
    store.receiveFrame(ID, overviewFrame(T0));
    const outcome = store.receiveFrame(ID, JSON.stringify({ type: "overview", overview: { instance_id: ID, online: "yes" } }));
    expect(outcome.ok).toBe(false);
    expect(store.stateOf(ID).overview?.online).toBe(true);
  });

  it("rejects an event for another instance", () => {
    const store = useLiveStore();
    const outcome = store.receiveFrame(ID, frame({ type: "event", instance_id: "other", event: { kind: "comfyui.state", at: T0, state: "crashed" } }));
    expect(outcome.ok).toBe(false);
  });

  it("caches the overview for the next visit", () => {
    const store = useLiveStore();
    store.receiveFrame(ID, overviewFrame(T0), 1234);
    expect(readCachedOverview(ID)?.receivedAtMs).toBe(1234);
  });

  it("seeds a new visit from the cache", () => {
    writeCachedOverview(ID, exampleOverview(), 99);
    const state = useLiveStore().stateOf(ID);
    expect(state.fromCache).toBe(true);
    expect(state.overview?.snapshot?.comfyui.version).toBe("0.12.3");
  });

  it("ignores a snapshot older than the one shown", () => {
    const store = useLiveStore();
    store.receiveFrame(ID, overviewFrame(at(5000)));
    store.receiveFrame(ID, overviewFrame(at(0), false));
    expect(store.stateOf(ID).overview?.online).toBe(true);
  });

  it("applies a link change on the same snapshot", () => {
    const store = useLiveStore();
    store.receiveFrame(ID, overviewFrame(T0));
    store.receiveFrame(ID, overviewFrame(T0, false));
    expect(store.stateOf(ID).overview?.online).toBe(false);
  });

  it("adds a trend point per new snapshot", () => {
    const store = useLiveStore();
    store.receiveFrame(ID, overviewFrame(at(0)));
    store.receiveFrame(ID, overviewFrame(at(0)));
    store.receiveFrame(ID, overviewFrame(at(2000)));
    expect(store.stateOf(ID).trend).toHaveLength(2);
  });
});

describe("liveStore events", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
  });

  it("moves node and step progress forward", () => {
    const store = useLiveStore();
    store.receiveFrame(ID, overviewFrame(T0));
    store.receiveFrame(ID, eventFrame({ kind: "comfyui.executing", at: at(100), ...position, node: "3", node_class: "KSampler" }));
    store.receiveFrame(ID, eventFrame({ kind: "comfyui.progress", at: at(200), ...position, node: "3", node_class: "KSampler", value: 12, max: 20 }));
    const prompt = store.stateOf(ID).prompt;
    expect(prompt?.node_class).toBe("KSampler");
    expect(prompt?.nodes_done).toBe(2);
    expect(prompt?.progress).toEqual({ value: 12, max: 20 });
  });

  it("goes idle with the outcome after success", () => {
    const store = useLiveStore();
    store.receiveFrame(ID, overviewFrame(T0));
    store.receiveFrame(ID, eventFrame({ kind: "comfyui.execution_success", at: at(300), ...position, duration_ms: 4200 }));
    const state = store.stateOf(ID);
    expect(state.prompt).toBeNull();
    expect(state.lastOutcome).toEqual({ kind: "success", prompt_id: "p-1", at: at(300), duration_ms: 4200 });
    expect(state.lastActivityAt).toBe(at(300));
  });

  it("keeps event progress over an older snapshot", () => {
    const store = useLiveStore();
    store.receiveFrame(ID, overviewFrame(at(0)));
    store.receiveFrame(ID, eventFrame({ kind: "comfyui.progress", at: at(3000), ...position, node: "3", node_class: "KSampler", value: 19, max: 20 }));
    store.receiveFrame(ID, overviewFrame(at(2000)));
    expect(store.stateOf(ID).prompt?.progress).toEqual({ value: 19, max: 20 });
  });

  it("takes a newer snapshot's prompt over older events", () => {
    const store = useLiveStore();
    store.receiveFrame(ID, overviewFrame(at(0)));
    store.receiveFrame(ID, eventFrame({ kind: "comfyui.progress", at: at(1000), ...position, node: "3", node_class: "KSampler", value: 2, max: 20 }));
    store.receiveFrame(ID, overviewFrame(at(2000)));
    expect(store.stateOf(ID).prompt?.progress).toEqual({ value: 8, max: 20 });
  });

  it("updates the ComfyUI state between snapshots", () => {
    const store = useLiveStore();
    store.receiveFrame(ID, overviewFrame(T0));
    store.receiveFrame(ID, eventFrame({ kind: "comfyui.state", at: at(100), state: "starting" }));
    expect(store.stateOf(ID).overview?.snapshot?.comfyui.state).toBe("starting");
  });

  it("updates a service's status between snapshots", () => {
    const store = useLiveStore();
    store.receiveFrame(ID, overviewFrame(T0));
    store.receiveFrame(ID, eventFrame({ kind: "service.changed", at: at(100), name: "comfy", status: "stopped", restarts: 3 }));
    const services = store.stateOf(ID).overview?.snapshot?.services;
    expect(services?.available === true ? services.items[0]?.status : null).toBe("stopped");
  });

  it("records an error frame", () => {
    const store = useLiveStore();
    store.receiveFrame(ID, frame({ type: "error", request_id: null, error: { code: "invalid_message", message: "bad" } }));
    expect(store.lastErrors[ID]?.code).toBe("invalid_message");
  });
});
