import { describe, expect, it } from "vitest";

import { mountApp } from "../../test/mountApp";
import { exampleSnapshot } from "../../test/fixtures";
import StatusBar from "./StatusBar.vue";

import type { ComfyuiState } from "@comfycarry/shared";

function levelOf(wrapper: ReturnType<typeof mountApp>, testId: string): string | undefined {
  return wrapper.get(`[data-testid=${testId}]`).attributes("data-level");
}

describe("StatusBar", () => {
  it.each([
    ["online", "green"],
    ["starting", "amber"],
    ["offline", "red"],
    ["crashed", "red"],
  ] as const)("colours ComfyUI %s %s", (state: ComfyuiState, level) => {
    const snapshot = exampleSnapshot();
    snapshot.comfyui.state = state;
    const wrapper = mountApp(StatusBar, { props: { snapshot, online: true, ageMs: 0 } });
    expect(levelOf(wrapper, "badge-comfyui")).toBe(level);
  });

  it("shows sync as not set up, in neutral", () => {
    const wrapper = mountApp(StatusBar, { props: { snapshot: exampleSnapshot(), online: true, ageMs: 0 } });
    expect(levelOf(wrapper, "badge-sync")).toBe("neutral");
    expect(wrapper.get("[data-testid=badge-sync]").text()).toContain("Not set up");
  });

  // The page clock ticks once a second, so the age may read one second short.
  it("shows a healthy sync with its age", () => {
    const snapshot = exampleSnapshot({
      sync: { available: true, worker_running: true, rules_count: 2, last_activity: new Date(Date.now() - 15_000).toISOString(), last_status: "success" },
    });
    const wrapper = mountApp(StatusBar, { props: { snapshot, online: true, ageMs: 0 } });
    expect(levelOf(wrapper, "badge-sync")).toBe("green");
    expect(wrapper.get("[data-testid=badge-sync]").text()).toMatch(/OK \(1[4-6] s ago\)/);
  });

  it("says the instance is offline with the snapshot's age", () => {
    const wrapper = mountApp(StatusBar, { props: { snapshot: exampleSnapshot(), online: false, ageMs: 180_000 } });
    expect(levelOf(wrapper, "badge-instance")).toBe("red");
    expect(wrapper.get("[data-testid=badge-instance]").text()).toContain("3 min ago");
  });

  it("marks a queue backlog red", () => {
    const snapshot = exampleSnapshot();
    snapshot.comfyui.queue_pending = 6;
    const wrapper = mountApp(StatusBar, { props: { snapshot, online: true, ageMs: 0 }, locale: "zh-CN" });
    expect(levelOf(wrapper, "badge-queue")).toBe("red");
    expect(wrapper.get("[data-testid=badge-queue]").text()).toContain("队列堆积");
  });
});
