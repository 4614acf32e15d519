import { flushPromises } from "@vue/test-utils";
import { createPinia } from "pinia";
import { describe, expect, it } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";

import { writeCachedOverview } from "../lib/overviewCache";
import { exampleOverview } from "../test/fixtures";
import { mountApp } from "../test/mountApp";
import OverviewPage from "./OverviewPage.vue";

async function mountOverview() {
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: "/instances/:id/overview", component: OverviewPage }] });
  await router.push("/instances/studio-4090/overview");
  const wrapper = mountApp(OverviewPage, { pinia: createPinia(), plugins: [router] });
  await flushPromises();
  return wrapper;
}

describe("OverviewPage", () => {
  it("draws the cached snapshot at once", async () => {
    writeCachedOverview("studio-4090", exampleOverview(), Date.now());
    const wrapper = await mountOverview();
    expect(wrapper.get("[data-testid=badge-comfyui]").attributes("data-level")).toBe("green");
  });

  it("greys an offline snapshot and gives its age", async () => {
    writeCachedOverview("studio-4090", exampleOverview({ online: false, snapshot_age_ms: 120_000 }), Date.now());
    const wrapper = await mountOverview();
    expect(wrapper.get("[data-testid=stale-banner]").text()).toContain("2 min ago");
    expect(wrapper.find(".stale").exists()).toBe(true);
    expect(wrapper.get("[data-testid=badge-instance]").attributes("data-level")).toBe("red");
  });

  it("waits with a spinner when nothing is known yet", async () => {
    const wrapper = await mountOverview();
    expect(wrapper.find("[data-testid=status-bar]").exists()).toBe(false);
  });
});
