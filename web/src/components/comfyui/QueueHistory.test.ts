import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it } from "vitest";

import { failWith, stubCommands } from "../../composables/testing/commandStub";
import { mountApp } from "../../test/mountApp";
import QueueHistory from "./QueueHistory.vue";

const RUNNING = { prompt_id: "aaaaaaaa-1111-4111-8111-111111111111", number: 3, submitted_at: "2026-01-05T10:00:00.000Z", node_count: 7, client_id: "web" };
const PENDING = { prompt_id: "bbbbbbbb-2222-4222-8222-222222222222", number: 4, submitted_at: null, node_count: 5, client_id: null };
const DONE = {
  prompt_id: "cccccccc-3333-4333-8333-333333333333",
  status: "success",
  started_at: "2026-01-05T09:59:00.000Z",
  ended_at: "2026-01-05T09:59:04.300Z",
  duration_ms: 4300,
  images: [{ filename: "ComfyUI_00001_.png", subfolder: "", type: "output" }],
};
const STOPPED = { prompt_id: "dddddddd-4444-4444-8444-444444444444", status: "interrupted", started_at: null, ended_at: null, duration_ms: null, images: [] };

function mountCard(overrides: Parameters<typeof stubCommands>[0] = {}, locale: "en" | "zh-CN" = "en") {
  const sent = stubCommands({
    "comfyui.queue.list": () => ({ running: [RUNNING], pending: [PENDING] }),
    "comfyui.history.list": () => ({ items: [DONE, STOPPED] }),
    "comfyui.queue.delete": () => ({ deleted: [PENDING.prompt_id], not_deleted: [] }),
    "comfyui.interrupt": () => ({ interrupted: true }),
    "comfyui.queue.clear": () => ({ cleared: 1 }),
    ...overrides,
  });
  const wrapper = mountApp(QueueHistory, { props: { instanceId: "studio-4090", disabled: false }, locale });
  return { sent, wrapper };
}

describe("QueueHistory", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("shows the running prompt's short id", async () => {
    const { wrapper } = mountCard();
    await flushPromises();
    expect(wrapper.get("[data-testid=queue-running]").text()).toContain("aaaaaaaa");
  });

  it("shows one pending row", async () => {
    const { wrapper } = mountCard();
    await flushPromises();
    expect(wrapper.findAll("[data-testid=queue-pending]")).toHaveLength(1);
  });

  it("tags history rows by status", async () => {
    const { wrapper } = mountCard();
    await flushPromises();
    expect(wrapper.findAll("[data-testid=history-row]").map((row) => row.attributes("data-status"))).toEqual(["success", "interrupted"]);
  });

  it("shows the run's duration", async () => {
    const { wrapper } = mountCard();
    await flushPromises();
    expect(wrapper.get("[data-testid=history-duration]").text()).toBe("4.3 sec");
  });

  it("leaves a thumbnail slot per image", async () => {
    const { wrapper } = mountCard();
    await flushPromises();
    expect(wrapper.findAll("[data-testid=history-thumb]")).toHaveLength(1);
  });

  it("deletes a pending prompt by id", async () => {
    const { wrapper, sent } = mountCard();
    await flushPromises();
    await wrapper.get("[data-testid=queue-delete]").trigger("click");
    await flushPromises();
    expect(sent.find((command) => command.name === "comfyui.queue.delete")?.args).toEqual({ prompt_ids: [PENDING.prompt_id] });
  });

  it("interrupts only the running prompt", async () => {
    const { wrapper, sent } = mountCard();
    await flushPromises();
    await wrapper.get("[data-testid=queue-interrupt]").trigger("click");
    await flushPromises();
    expect(sent.find((command) => command.name === "comfyui.interrupt")?.args).toEqual({ prompt_id: RUNNING.prompt_id });
  });

  it("asks before clearing the queue", async () => {
    const { wrapper, sent } = mountCard();
    await flushPromises();
    await wrapper.get("[data-testid=queue-clear]").trigger("click");
    await flushPromises();
    expect(sent.some((command) => command.name === "comfyui.queue.clear")).toBe(false);
    expect(document.body.textContent).toContain("Remove all 1 pending prompts?");
  });

  it("names a failed read", async () => {
    const { wrapper } = mountCard({ "comfyui.queue.list": () => failWith("comfyui_unreachable", "ComfyUI did not respond") });
    await flushPromises();
    expect(wrapper.find("[data-testid=queue-error]").exists()).toBe(true);
  });

  it("toasts a failed action in Chinese first", async () => {
    const { wrapper } = mountCard({ "comfyui.queue.delete": () => failWith("command_failed", "ComfyUI answered 500 on /queue") }, "zh-CN");
    await flushPromises();

    await wrapper.get("[data-testid=queue-delete]").trigger("click");
    await flushPromises();
    const toast = document.querySelector(".n-message");

    expect(toast?.textContent).toContain("队列操作失败。");
    expect(toast?.querySelector("[lang=en]")?.textContent).toBe("ComfyUI answered 500 on /queue");
  });
});
