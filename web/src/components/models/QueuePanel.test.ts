import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";

import { mountApp } from "../../test/mountApp";
import { commandFetch, jobWith } from "./fixtures";
import QueuePanel from "./QueuePanel.vue";

function mountQueue(jobs = [jobWith()]) {
  return mountApp(QueuePanel, { props: { instanceId: "gpu-1", jobs, unavailable: null, disabled: false } });
}

describe("QueuePanel", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("shows name, percent and speed of a running job", () => {
    const wrapper = mountQueue();
    expect(wrapper.get("[data-testid=job-name]").text()).toBe("inkwash_xl_v2.safetensors");
    expect(wrapper.get("[data-testid=job-percent]").text()).toBe("25%");
    expect(wrapper.get("[data-testid=job-figures]").text()).toBe("50 MiB / 200 MiB · 10 MiB/s · about 15s left");
  });

  it("pauses a job with its id", async () => {
    const stub = commandFetch({ "downloads.pause": () => jobWith({ status: "paused" }) });
    vi.stubGlobal("fetch", stub.fetch);
    const wrapper = mountQueue();
    await wrapper.get("[data-testid=job-pause]").trigger("click");
    await flushPromises();
    expect(stub.bodies).toEqual([{ name: "downloads.pause", args: { id: "job-1" } }]);
    expect(wrapper.findComponent(QueuePanel).emitted("changed")).toHaveLength(1);
  });

  it("moves a job down the queue", async () => {
    const stub = commandFetch({ "downloads.reorder": () => ({ jobs: [] }) });
    vi.stubGlobal("fetch", stub.fetch);
    const wrapper = mountQueue([jobWith({ id: "a", status: "queued" }), jobWith({ id: "b", status: "queued", position: 2 })]);
    await wrapper.findAll("[data-testid=job-down]")[0]?.trigger("click");
    await flushPromises();
    expect(stub.bodies).toEqual([{ name: "downloads.reorder", args: { id: "a", index: 1 } }]);
  });

  it("lists failed jobs in the history with their reason", () => {
    const failed = jobWith({ status: "failed", error: { code: "token_required", message: "x", params: { host: "civitai.com" } }, finished_at: "2026-12-04T10:01:00.000Z" });
    const wrapper = mountQueue([failed]);
    expect(wrapper.find("[data-testid=queue-empty]").exists()).toBe(true);
    expect(wrapper.get("[data-testid=queue-history]").text()).toContain("History (1)");
  });

  async function mountHistory(failed: ReturnType<typeof jobWith>) {
    const wrapper = mountQueue([failed]);
    await wrapper.get("[data-testid=queue-history] .n-collapse-item__header-main").trigger("click");
    await flushPromises();
    return wrapper;
  }

  it("shows aria2's reason under a failed transfer", async () => {
    const message = "aria2 failed with code 1: Software caused connection abort";
    const failed = jobWith({ status: "failed", error: { code: "transfer_failed", message, params: { aria2_code: 1 } }, finished_at: "2026-12-04T10:01:00.000Z" });
    const wrapper = await mountHistory(failed);

    expect(wrapper.get("[data-testid=job-error]").text()).toBe("The transfer failed.");
    expect(wrapper.get("[data-testid=job-error-detail]").text()).toBe(message);
  });

  it("omits the detail when the reason is translated", async () => {
    const failed = jobWith({ status: "failed", error: { code: "token_required", message: "token missing", params: { host: "civitai.com" } }, finished_at: "2026-12-04T10:01:00.000Z" });
    const wrapper = await mountHistory(failed);

    expect(wrapper.get("[data-testid=job-error]").text()).toContain("civitai.com");
    expect(wrapper.find("[data-testid=job-error-detail]").exists()).toBe(false);
  });

  it("says why the queue is not running", () => {
    const wrapper = mountApp(QueuePanel, { props: { instanceId: "gpu-1", jobs: [], unavailable: "spawn aria2c ENOENT", disabled: false } });
    expect(wrapper.get("[data-testid=queue-unavailable]").text()).toContain("spawn aria2c ENOENT");
  });

  it("says in Chinese that the queue is down", () => {
    const wrapper = mountApp(QueuePanel, { props: { instanceId: "gpu-1", jobs: [], unavailable: "spawn aria2c ENOENT", disabled: false }, locale: "zh-CN" });
    const notice = wrapper.get("[data-testid=queue-unavailable]");

    expect(notice.text()).toContain("下载队列未运行。");
    expect(notice.get("details").text()).toContain("spawn aria2c ENOENT");
  });
});
