import { flushPromises } from "@vue/test-utils";
import { createPinia } from "pinia";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";

import { fakeEdge } from "../components/settings/fakeEdge";
import { mountApp } from "../test/mountApp";
import SettingsPage from "./SettingsPage.vue";

async function mountSettings(path: string) {
  fakeEdge({ "GET /api/tokens": { status: 200, body: { tokens: [] } } });
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: "/settings", name: "settings", component: SettingsPage }, { path: "/login", name: "login", component: SettingsPage }] });
  await router.push(path);
  const wrapper = mountApp(SettingsPage, { pinia: createPinia(), plugins: [router] });
  await flushPromises();
  return { wrapper, router };
}

describe("SettingsPage", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("opens the account tab by default", async () => {
    const { wrapper } = await mountSettings("/settings");
    expect(wrapper.find("[data-testid=password-section]").exists()).toBe(true);
  });

  it("opens the tab named in the query", async () => {
    const { wrapper } = await mountSettings("/settings?tab=tokens");
    expect(wrapper.find("[data-testid=tokens-section]").exists()).toBe(true);
  });

  it("falls back to account for an unknown tab", async () => {
    const { wrapper } = await mountSettings("/settings?tab=nope");
    expect(wrapper.find("[data-testid=password-section]").exists()).toBe(true);
  });
});
