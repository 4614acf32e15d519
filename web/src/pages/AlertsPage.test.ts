import { flushPromises } from "@vue/test-utils";
import { createPinia } from "pinia";
import { afterEach, describe, expect, it } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";

import { fakeEdge } from "../components/settings/fakeEdge";
import { mountApp } from "../test/mountApp";
import AlertsPage from "./AlertsPage.vue";

import type { Alert } from "@comfycarry/shared";

const disk: Alert = {
  id: "a-1",
  instance_id: "studio",
  rule: "disk_usage",
  key: "disk_usage",
  severity: "critical",
  state: "active",
  raised_at: "2026-12-04T10:00:00.000Z",
  cleared_at: null,
  acknowledged_at: null,
  params: { percent: 97, path: "/workspace", free_bytes: 1 },
};

async function mountAlerts(alerts: Alert[], locale: "en" | "zh-CN" = "en") {
  const edge = fakeEdge({
    "GET /api/alerts?state=active&limit=200": { status: 200, body: { alerts } },
    "GET /api/instances": { status: 200, body: { instances: [] } },
    "POST /api/instances/studio/alerts/a-1/ack": { status: 200, body: { ...disk, acknowledged_at: "2026-12-04T10:01:00.000Z" } },
    "GET /api/alerts/summary": { status: 200, body: { active: alerts.length, critical: alerts.length, instances: [] } },
    "GET /api/notify/channels": { status: 200, body: { channels: [{ id: "c-1", kind: "dingtalk", name: "ops", enabled: true, topics: { alerts: true, prompts: false }, host: "oapi.dingtalk.com" }] } },
    "POST /api/notify/channels": { status: 201, body: { id: "c-2", kind: "webhook", name: "hook", enabled: true, topics: { alerts: true, prompts: false }, host: "hooks.example" } },
  });
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: "/alerts", name: "alerts", component: AlertsPage }] });
  await router.push("/alerts");
  const wrapper = mountApp(AlertsPage, { pinia: createPinia(), plugins: [router], locale });
  await flushPromises();
  return { wrapper, edge };
}

describe("AlertsPage", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("shows the alert sentence with its values", async () => {
    const { wrapper } = await mountAlerts([disk]);
    expect(wrapper.find("[data-testid=alert-text]").text()).toBe("Disk 97 % full (/workspace)");
  });

  it("shows the sentence in Chinese", async () => {
    const { wrapper } = await mountAlerts([disk], "zh-CN");
    expect(wrapper.find("[data-testid=alert-text]").text()).toBe("磁盘已用 97 %（/workspace）");
  });

  it("acknowledges through the edge", async () => {
    const { wrapper, edge } = await mountAlerts([disk]);
    await wrapper.find("[data-testid=alert-ack]").trigger("click");
    await flushPromises();
    expect(edge.sent.some((request) => request.method === "POST" && request.path === "/api/instances/studio/alerts/a-1/ack")).toBe(true);
  });

  it("says when there are none", async () => {
    const { wrapper } = await mountAlerts([]);
    expect(wrapper.find("[data-testid=alerts-empty]").exists()).toBe(true);
  });

  it("lists channels by host only", async () => {
    const { wrapper } = await mountAlerts([]);
    const channel = wrapper.find("[data-testid=notify-channel]");
    expect(channel.text()).toContain("oapi.dingtalk.com");
    expect(channel.text()).toContain("DingTalk");
  });

  it("adds a webhook channel", async () => {
    const { wrapper, edge } = await mountAlerts([]);
    await wrapper.find("[data-testid=notify-name] input").setValue("hook");
    await wrapper.find("[data-testid=notify-url] input").setValue("https://hooks.example/in");
    await wrapper.find("form").trigger("submit");
    await flushPromises();
    const sent = edge.sent.find((request) => request.method === "POST" && request.path === "/api/notify/channels");
    expect(sent?.body).toEqual({ kind: "webhook", name: "hook", url: "https://hooks.example/in", topics: { alerts: true, prompts: false } });
  });

  it("marks the badge critical", async () => {
    const { wrapper } = await mountAlerts([disk]);
    expect(wrapper.find("[data-testid=alert-badge]").attributes("data-worst")).toBe("critical");
  });
});
