import { describe, expect, it } from "vitest";

import { applyEvent, applyOverview, emptyLiveState } from "../../lib/liveState";
import { exampleOverview } from "../../test/fixtures";
import { jobWith } from "./fixtures";

function liveState() {
  const state = emptyLiveState();
  const overview = exampleOverview({}, { downloads: { available: true, active_count: 0, queue_count: 0, current: null } });
  applyOverview(state, overview, Date.now());
  return { state, capturedAt: overview.snapshot?.captured_at ?? "" };
}

const later = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

describe("download events in the live state", () => {
  it("keeps the last state of each job", () => {
    const { state, capturedAt } = liveState();
    applyEvent(state, { kind: "download.job", at: later(capturedAt, 1_000), job: jobWith({ downloaded_bytes: 1 }) });
    applyEvent(state, { kind: "download.job", at: later(capturedAt, 2_000), job: jobWith({ downloaded_bytes: 2 }) });
    expect(state.downloads["job-1"]?.downloaded_bytes).toBe(2);
  });

  it("moves the overview's current download", () => {
    const { state, capturedAt } = liveState();
    applyEvent(state, { kind: "download.job", at: later(capturedAt, 1_000), job: jobWith() });
    const section = state.overview?.snapshot?.downloads;
    expect(section?.available === true ? section.current : null).toEqual({ name: "inkwash_xl_v2.safetensors", downloaded_bytes: 50 * 1024 * 1024, total_bytes: 200 * 1024 * 1024, speed_bytes_per_s: 10 * 1024 * 1024 });

    applyEvent(state, { kind: "download.job", at: later(capturedAt, 2_000), job: jobWith({ status: "completed" }) });
    expect(section?.available === true ? section.current : "unavailable").toBeNull();
  });

  it("counts library changes", () => {
    const { state, capturedAt } = liveState();
    applyEvent(state, { kind: "models.library.changed", at: later(capturedAt, 1_000), reason: "scan", count: 3 });
    expect(state.libraryVersion).toBe(1);
  });
});
