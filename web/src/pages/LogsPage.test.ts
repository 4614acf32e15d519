import { flushPromises } from "@vue/test-utils";
import { createPinia } from "pinia";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryHistory, createRouter } from "vue-router";

import { mountApp } from "../test/mountApp";
import LogsPage from "./LogsPage.vue";

import type { HealthReport, LogPage } from "@comfycarry/shared";

const health: HealthReport = {
  checked_at: "2026-12-04T10:00:00.000Z",
  state: "down",
  components: [
    { component: "edge_link", state: "ok", reason: null },
    { component: "gpu", state: "down", reason: "Failed to initialize NVML; restart the container to get the GPU back" },
  ],
};

const page: LogPage = {
  entries: [
    { time: "2026-12-04T10:00:02.000Z", level: "warn", component: "sync", msg: "retrying the upload", fields: '{"ruleId":"outputs"}' },
    { time: "2026-12-04T10:00:01.000Z", level: "info", component: "edge-link", msg: "connected", fields: "{}" },
  ],
  components: ["edge-link", "sync"],
  more: true,
};

/** Responds on the commands endpoint by command name and records every command sent. */
function stubCommands(): Array<{ name: string; args: Record<string, unknown> }> {
  const sent: Array<{ name: string; args: Record<string, unknown> }> = [];
  vi.stubGlobal(
    "fetch",
    vi.fn((input: RequestInfo | URL, init?: RequestInit) => {
      const url = input instanceof Request ? input.url : String(input);
      if (url.endsWith("/alert-settings")) {
        return Promise.resolve(Response.json({ idle_alert_minutes: 45, hourly_price: null, currency: "CNY", auto_stop_grace_minutes: 10 }));
      }
      if (url.endsWith("/auto-stop")) {
        return Promise.resolve(Response.json({ state: "waiting", at: "2026-12-04T10:00:00.000Z", reason: "unsynced_files", unsynced_files: 3, detail: null }));
      }
      const body = JSON.parse(String(init?.body)) as { name: string; args: Record<string, unknown> };
      sent.push(body);
      const data = body.name === "health.report" ? health : page;
      return Promise.resolve(new Response(JSON.stringify({ command_id: crypto.randomUUID(), ok: true, data }), { status: 200, headers: { "content-type": "application/json" } }));
    }),
  );
  return sent;
}

async function mountLogs(locale: "en" | "zh-CN" = "en") {
  const sent = stubCommands();
  const router = createRouter({ history: createMemoryHistory(), routes: [{ path: "/instances/:id/logs", name: "instance-logs", component: LogsPage }] });
  await router.push("/instances/studio/logs");
  const wrapper = mountApp(LogsPage, { pinia: createPinia(), plugins: [router], locale });
  await flushPromises();
  return { wrapper, sent };
}

describe("LogsPage", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    document.body.innerHTML = "";
  });

  it("shows each component's health and reason", async () => {
    const { wrapper } = await mountLogs();
    const gpu = wrapper.find("[data-component=gpu]");
    expect(gpu.attributes("data-state")).toBe("down");
    expect(gpu.text()).toContain("restart the container");
  });

  it("shows health in Chinese with the reason folded", async () => {
    const { wrapper } = await mountLogs("zh-CN");
    const gpu = wrapper.find("[data-component=gpu]");

    expect(gpu.find("[data-testid=health-summary]").text()).toBe("无法读取 GPU。");
    expect(gpu.find("details[data-testid=health-reason]").text()).toContain("restart the container");
    expect(gpu.find("details[data-testid=health-reason]").attributes("open")).toBeUndefined();
    expect(wrapper.find("[data-component=edge_link] [data-testid=health-summary]").exists()).toBe(false);
  });

  it("lists log lines newest first", async () => {
    const { wrapper } = await mountLogs();
    expect(wrapper.findAll("[data-testid=log-line]").map((line) => line.attributes("data-level"))).toEqual(["warn", "info"]);
  });

  it("sends the search text", async () => {
    const { wrapper, sent } = await mountLogs();
    await wrapper.find("[data-testid=log-search] input").setValue("outputs");
    await wrapper.find("[data-testid=reporter-logs] form").trigger("submit");
    await flushPromises();
    expect(sent.at(-1)).toMatchObject({ name: "logs.query", args: { search: "outputs" } });
  });

  it("pages back from the oldest line", async () => {
    const { wrapper, sent } = await mountLogs();
    await wrapper.find("[data-testid=log-older]").trigger("click");
    await flushPromises();
    expect(sent.at(-1)?.args.before).toBe("2026-12-04T10:00:01.000Z");
  });

  it("says why auto-stop waits", async () => {
    const { wrapper } = await mountLogs();
    expect(wrapper.find("[data-testid=auto-stop-status]").text()).toContain("3 files are not on the sync remote yet");
  });

  it("names log levels in Chinese", async () => {
    const { wrapper } = await mountLogs("zh-CN");

    expect(wrapper.findAll("[data-testid=log-line] .level").map((level) => level.text())).toEqual(["警告", "信息"]);
  });
});
