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
});
