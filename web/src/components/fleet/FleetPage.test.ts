import { flushPromises } from "@vue/test-utils";
import { createPinia } from "pinia";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";

import FleetPage from "../../pages/FleetPage.vue";
import { mountApp } from "../../test/mountApp";
import { confirmDialog, fakeEdge } from "../settings/fakeEdge";

import type { FleetInstanceStatus, InstanceSummary } from "@comfycarry/shared";

function summary(id: string, name: string, online: boolean): InstanceSummary {
  return { instance_id: id, name, online, last_seen_at: null, snapshot: null };
}

function status(id: string, overrides: Partial<FleetInstanceStatus> = {}): FleetInstanceStatus {
  return {
    instance_id: id,
    name: id,
    online: true,
    last_seen_at: null,
    offline_since: null,
    gone: false,
    uptime_s: 7_200,
    idle: false,
    idle_since: null,
    idle_s: 0,
    price: null,
    spend: null,
    comfyui_state: "online",
    queue_running: 1,
    queue_pending: 0,
    gpu_util_percent: 50,
    vram_percent: 40,
    gpu_temp_c: 60,
    disk_percent: 30,
    sync_safe: null,
    unsynced_files: null,
    ...overrides,
  };
}

const instances = [summary("gpu-a", "alpha", true), summary("gpu-b", "bravo", true), summary("gpu-old", "old box", false)];
const statuses = [
  status("gpu-a", { price: { hourly_price: 1.5, currency: "USD", source: "manual", provider_id: null, set_at: "2026-12-01T00:00:00.000Z" }, spend: 3 }),
  status("gpu-b", { idle: true, idle_since: "2026-12-01T00:00:00.000Z" }),
  status("gpu-old", { online: false, gone: true, offline_since: "2026-11-20T00:00:00.000Z", sync_safe: false, unsynced_files: 3 }),
];

async function mountFleet() {
  const edge = fakeEdge({
    "GET /api/instances": { status: 200, body: { instances } },
    "GET /api/fleet/status": { status: 200, body: { generated_at: "2026-12-04T00:00:00.000Z", instances: statuses } },
    "DELETE /api/instances/gpu-old": { status: 204 },
  });
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: "/", name: "fleet", component: FleetPage },
      { path: "/instances/:id/overview", name: "instance-overview", component: FleetPage },
    ],
  });
  await router.push("/");
  const wrapper = mountApp(FleetPage, { pinia: createPinia(), plugins: [router] });
  await vi.waitFor(async () => {
    await flushPromises();
    if (!wrapper.find("[data-testid=instance-gpu-a] [data-testid=money]").exists()) {
      throw new Error("the fleet page has not drawn the instances with their status yet");
    }
  });
  return { wrapper, edge, router };
}

describe("FleetPage", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("lists live instances with spend", async () => {
    const { wrapper } = await mountFleet();

    expect(wrapper.find("[data-testid=instance-gpu-a]").exists()).toBe(true);
    expect(wrapper.find("[data-testid=instance-gpu-a] [data-testid=spend]").text()).toContain("3");
    expect(wrapper.find("[data-testid=fleet-total]").exists()).toBe(true);
  });

  it("shows gone instances apart", async () => {
    const { wrapper } = await mountFleet();

    expect(wrapper.find("[data-testid=instance-gpu-old]").exists()).toBe(false);
    expect(wrapper.find("[data-testid=fleet-gone]").text()).toContain("old box");
  });

  it("opens an instance on click", async () => {
    const { wrapper, router } = await mountFleet();

    await wrapper.find("[data-testid=instance-gpu-b]").trigger("click");
    await flushPromises();

    expect(router.currentRoute.value.fullPath).toBe("/instances/gpu-b/overview");
  });

  it("warns about unsynced files before removing", async () => {
    const { wrapper, edge } = await mountFleet();

    await wrapper.find("[data-testid=remove-all-gone]").trigger("click");
    await flushPromises();
    const warning = document.querySelector("[data-testid=remove-warning]");

    expect(warning?.textContent).toContain("3");
    confirmDialog();
    await flushPromises();
    expect(edge.sent.some((request) => request.method === "DELETE" && request.path === "/api/instances/gpu-old")).toBe(true);
  });
});
