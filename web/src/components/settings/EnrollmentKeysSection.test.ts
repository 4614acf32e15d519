import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it } from "vitest";

import { mountApp } from "../../test/mountApp";
import EnrollmentKeysSection from "./EnrollmentKeysSection.vue";
import { fakeEdge } from "./fakeEdge";

const KEY = { id: "fedcba9876543210", name: "vast.ai template", created_at: "2026-02-19T09:00:00.000Z", last_used_at: null, use_count: 3 };

async function created() {
  const edge = fakeEdge({
    "GET /api/enrollment-keys": { status: 200, body: { keys: [KEY] } },
    "POST /api/enrollment-keys": { status: 201, body: { ...KEY, use_count: 0, key: "cce_key1" } },
  });
  const wrapper = mountApp(EnrollmentKeysSection);
  await flushPromises();
  await wrapper.get("[data-testid=enrollment-name] input").setValue("vast.ai template");
  await wrapper.get("[data-testid=enrollment-create]").trigger("submit");
  await flushPromises();
  return { wrapper, edge };
}

describe("EnrollmentKeysSection", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("lists keys with their use count", async () => {
    const { wrapper } = await created();
    expect(wrapper.get(`[data-testid=enrollment-${KEY.id}] [data-testid=use-count]`).text()).toBe("used 3 times");
  });

  it("sends the key's name", async () => {
    const { edge } = await created();
    expect(edge.sent.find((request) => request.method === "POST")?.body).toEqual({ name: "vast.ai template" });
  });

  it("builds the on-start line with this origin and the key", async () => {
    const { wrapper } = await created();
    expect(wrapper.get("[data-testid=enrollment-line] [data-testid=copy-value]").text()).toBe(`EDGE_URL=${window.location.origin} ENROLL_KEY=cce_key1 bash bootstrap.sh`);
  });

  it("adds a quoted instance name to the line", async () => {
    const { wrapper } = await created();
    await wrapper.get("[data-testid=enrollment-instance-name] input").setValue("Studio 4090");
    expect(wrapper.get("[data-testid=enrollment-line] [data-testid=copy-value]").text()).toContain("INSTANCE_NAME='Studio 4090' bash bootstrap.sh");
  });

  it("explains that a reused name continues the rental in Chinese", async () => {
    fakeEdge({
      "GET /api/enrollment-keys": { status: 200, body: { keys: [] } },
      "POST /api/enrollment-keys": { status: 201, body: { ...KEY, key: "cce_key1" } },
    });
    const wrapper = mountApp(EnrollmentKeysSection, { locale: "zh-CN" });
    await flushPromises();
    await wrapper.get("[data-testid=enrollment-name] input").setValue("模板");
    await wrapper.get("[data-testid=enrollment-create]").trigger("submit");
    await flushPromises();
    expect(wrapper.get("[data-testid=enrollment-created]").text()).toContain("沿用同一个名称即可接续上一次租用");
  });
});
