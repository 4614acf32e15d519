import { flushPromises } from "@vue/test-utils";
import { createPinia } from "pinia";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";

import { stubCommands } from "../composables/testing/commandStub";
import { useLiveStore } from "../stores/liveStore";
import { exampleOverview } from "../test/fixtures";
import { mountApp } from "../test/mountApp";
import PluginsPage from "./PluginsPage.vue";

const PACK = { name: "sim-alpha", cnr_id: null, repository: null, enabled: true, version: null, commit: "0123456789abcdef0123456789abcdef01234567", update_available: null };

async function mountPage(comfyuiOnline: boolean) {
  stubCommands({
    "nodes.list": () => ({ manager: comfyuiOnline ? "legacy-post" : "none", manager_version: comfyuiOnline ? "V3.41" : null, comfyui_online: comfyuiOnline, restart_needed: comfyuiOnline, packs: [PACK] }),
    "nodes.tasks": () => ({ tasks: [], busy: false }),
    "nodes.registry": () => ({ total: 0, packs: [] }),
  });
  const overview = exampleOverview();
  const pinia = createPinia();
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: "/instances/:id/plugins", component: PluginsPage }] });
  await router.push(`/instances/${overview.instance_id}/plugins`);
  const wrapper = mountApp(PluginsPage, { pinia, plugins: [router] });
  useLiveStore(pinia).receiveOverview(overview.instance_id, overview);
  await flushPromises();
  return wrapper;
}

describe("PluginsPage", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("says ComfyUI is offline and offers start", async () => {
    const wrapper = await mountPage(false);
    expect(wrapper.find("[data-testid=comfyui-offline]").exists()).toBe(true);
    expect(wrapper.find("[data-testid=plugins-start]").exists()).toBe(true);
  });

  it("offers only what works without ComfyUI", async () => {
    const wrapper = await mountPage(false);
    expect(wrapper.find("[data-testid=registry]").exists()).toBe(false);
    expect(wrapper.find("[data-testid=pack-disable]").exists()).toBe(false);
    expect(wrapper.find("[data-testid=git-install]").exists()).toBe(true);
    expect(wrapper.find("[data-testid=snapshots]").exists()).toBe(true);
  });

  it("shows the restart banner after changes", async () => {
    const wrapper = await mountPage(true);
    expect(wrapper.find("[data-testid=restart-banner]").exists()).toBe(true);
    expect(wrapper.get("[data-testid=manager-flavour]").text()).toContain("ComfyUI-Manager V3.41 (custom node)");
  });
});
