import { PROMPT_LOST_EXCEPTION } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { applyOverview, emptyLiveState } from "../../lib/liveState";
import { exampleOverview } from "../../test/fixtures";
import { mountApp } from "../../test/mountApp";
import ActivityFeed from "./ActivityFeed.vue";

function stateFrom(overview = exampleOverview()) {
  const state = emptyLiveState();
  applyOverview(state, overview, Date.now());
  return state;
}

describe("ActivityFeed", () => {
  it("shows node and step progress while generating", () => {
    const state = stateFrom();
    const snapshot = state.overview?.snapshot;
    const wrapper = mountApp(ActivityFeed, { props: { state, snapshot } });
    expect(wrapper.get("[data-testid=activity-node]").text()).toContain("Node 4/7");
    expect(wrapper.get("[data-testid=activity-node]").text()).toContain("KSampler");
    expect(wrapper.get("[data-testid=activity-step]").text()).toBe("Step 8/20");
  });

  it("shows the idle line with the last activity when nothing runs", () => {
    const state = stateFrom();
    state.prompt = null;
    const wrapper = mountApp(ActivityFeed, { props: { state, snapshot: state.overview?.snapshot }, locale: "zh-CN" });
    expect(wrapper.get("[data-testid=activity-idle]").text()).toContain("一切就绪，等待任务");
    expect(wrapper.get("[data-testid=activity-last]").text()).toContain("最后活动");
  });

  it("renders nothing for sections that are not available", () => {
    const state = stateFrom();
    const wrapper = mountApp(ActivityFeed, { props: { state, snapshot: state.overview?.snapshot } });
    expect(wrapper.find("[data-testid=activity-download]").exists()).toBe(false);
    expect(wrapper.find("[data-testid=activity-sync]").exists()).toBe(false);
  });

  it("words a lost prompt", () => {
    const state = stateFrom();
    state.prompt = null;
    state.lastOutcome = { kind: "error", prompt_id: "p1", at: "2026-12-05T06:00:00Z", node_class: null, exception_type: PROMPT_LOST_EXCEPTION, exception_message: "ComfyUI is offline; the prompt it was running is lost." };
    const wrapper = mountApp(ActivityFeed, { props: { state, snapshot: state.overview?.snapshot }, locale: "zh-CN" });
    expect(wrapper.get("[data-testid=activity-outcome]").text()).toContain("上一个任务已丢失");
  });

  it("names other failures by type", () => {
    const state = stateFrom();
    state.prompt = null;
    state.lastOutcome = { kind: "error", prompt_id: "p1", at: "2026-12-05T06:00:00Z", node_class: "KSampler", exception_type: "OutOfMemoryError", exception_message: "CUDA out of memory" };
    const wrapper = mountApp(ActivityFeed, { props: { state, snapshot: state.overview?.snapshot } });
    expect(wrapper.get("[data-testid=activity-outcome]").text()).toContain("Last prompt failed: OutOfMemoryError");
  });
});
