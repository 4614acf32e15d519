import { describe, expect, it } from "vitest";

import { applyEvent, emptyLiveState } from "../../lib/liveState";

describe("prompt wait events", () => {
  it("keeps the last state per prompt", () => {
    const state = emptyLiveState();
    const base = { kind: "workflows.prompt.wait" as const, prompt_id: "p1", models: ["checkpoints/a.safetensors"], remaining_bytes: null, eta_s: null, reason: null };
    applyEvent(state, { ...base, at: "2026-01-01T00:00:00.000Z", state: "waiting" });
    applyEvent(state, { ...base, at: "2026-01-01T00:00:05.000Z", state: "submitted" });
    expect(state.promptWaits["p1"]?.state).toBe("submitted");
  });

  it("leaves the running prompt alone", () => {
    const state = emptyLiveState();
    applyEvent(state, { kind: "workflows.prompt.wait", at: "2026-01-01T00:00:00.000Z", prompt_id: "p2", state: "waiting", models: [], remaining_bytes: null, eta_s: null, reason: null });
    expect(state.prompt).toBeNull();
  });
});
