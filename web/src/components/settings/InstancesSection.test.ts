import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it } from "vitest";

import { mountApp } from "../../test/mountApp";
import { confirmDialog, fakeEdge } from "./fakeEdge";
import InstancesSection from "./InstancesSection.vue";

const ID = "studio-4090-k3x9qa";
const LIST = { instances: [{ instance_id: ID, name: "Studio 4090", online: true, last_seen_at: "2026-02-19T09:00:00.000Z", snapshot: null }] };

async function mountInstances(extra: Record<string, { status: number; body?: unknown }> = {}) {
  const edge = fakeEdge({ "GET /api/instances": { status: 200, body: LIST }, ...extra });
  const wrapper = mountApp(InstancesSection);
  await flushPromises();
  return { wrapper, edge };
}

describe("InstancesSection", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("renames with PATCH", async () => {
    const { wrapper, edge } = await mountInstances({ [`PATCH /api/instances/${ID}`]: { status: 204 } });
    await wrapper.get("[data-testid=instance-rename]").trigger("click");
    await wrapper.get("[data-testid=instance-rename-input] input").setValue("Studio 5090");
    await wrapper.get("[data-testid=instance-rename-save]").trigger("submit");
    await flushPromises();
    expect(edge.sent.find((request) => request.method === "PATCH")?.body).toEqual({ name: "Studio 5090" });
  });

  it("shows a rotated token once", async () => {
    const { wrapper } = await mountInstances({ [`POST /api/instances/${ID}/token`]: { status: 200, body: { instance_id: ID, token: "cct_new1" } } });
    await wrapper.get("[data-testid=instance-rotate]").trigger("click");
    await flushPromises();
    confirmDialog();
    await flushPromises();
    expect(wrapper.get("[data-testid=instance-rotated] [data-testid=copy-value]").text()).toBe("cct_new1");
  });

  it("revokes the token after confirmation", async () => {
    const { wrapper, edge } = await mountInstances({ [`DELETE /api/instances/${ID}/token`]: { status: 204 } });
    await wrapper.get("[data-testid=instance-revoke]").trigger("click");
    await flushPromises();
    confirmDialog();
    await flushPromises();
    expect(edge.sent.some((request) => request.method === "DELETE" && request.path === `/api/instances/${ID}/token`)).toBe(true);
  });

  it("removes nothing until confirmed", async () => {
    const { wrapper, edge } = await mountInstances({ [`DELETE /api/instances/${ID}`]: { status: 204 } });
    await wrapper.get("[data-testid=instance-remove]").trigger("click");
    await flushPromises();
    expect(document.body.textContent).toContain("Remove \"Studio 4090\"?");
    expect(edge.sent.some((request) => request.method === "DELETE")).toBe(false);
  });
});
