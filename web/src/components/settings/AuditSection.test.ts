import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it } from "vitest";

import { mountApp } from "../../test/mountApp";
import AuditSection from "./AuditSection.vue";
import { fakeEdge } from "./fakeEdge";

const ENTRY = {
  id: 12,
  at: "2026-02-19T09:00:00.000Z",
  actor: { kind: "api_token", name: "backup script" },
  instance_id: "studio-4090-k3x9qa",
  action: "service.restart",
  args: { name: "comfy" },
  result: "forbidden",
};
const ROUTES = {
  "GET /api/instances": { status: 200, body: { instances: [{ instance_id: ENTRY.instance_id, name: "Studio 4090", online: true, last_seen_at: null, snapshot: null }] } },
  "GET /api/audit?limit=50": { status: 200, body: { entries: [ENTRY], next_before: 12 } },
  "GET /api/audit?limit=50&before=12": { status: 200, body: { entries: [{ ...ENTRY, id: 11, result: "ok" }], next_before: null } },
  "GET /api/audit?limit=50&actor=owner": { status: 200, body: { entries: [], next_before: null } },
};

async function mountAudit(locale: "en" | "zh-CN" = "en") {
  const edge = fakeEdge(ROUTES);
  const wrapper = mountApp(AuditSection, { locale });
  await flushPromises();
  return { wrapper, edge };
}

describe("AuditSection", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("names the actor, the instance and the result", async () => {
    const { wrapper } = await mountAudit();
    const text = wrapper.get("[data-testid=audit-entry]").text();
    expect(text).toContain('API token "backup script"');
    expect(text).toContain("Studio 4090");
    expect(wrapper.get("[data-testid=audit-result-tag]").attributes("title")).toBe("forbidden");
    expect(text).toContain("Failed");
  });

  it("explains a failed result in Chinese", async () => {
    const { wrapper } = await mountAudit("zh-CN");

    expect(wrapper.get("[data-testid=audit-result-tag]").text()).toBe("失败");
    expect(wrapper.get("[data-testid=audit-failure]").text()).toBe("你没有权限执行此操作。");
  });

  it("loads older entries on request", async () => {
    const { wrapper } = await mountAudit();
    await wrapper.get("[data-testid=audit-more]").trigger("click");
    await flushPromises();
    expect(wrapper.findAll("[data-testid=audit-entry]")).toHaveLength(2);
    expect(wrapper.find("[data-testid=audit-more]").exists()).toBe(false);
  });

  it("searches again when a filter changes", async () => {
    const { wrapper, edge } = await mountAudit();
    await wrapper.get("[data-testid=audit-actor] input").setValue("owner");
    await new Promise((resolve) => setTimeout(resolve, 400));
    await flushPromises();
    expect(edge.sent.at(-1)?.path).toBe("/api/audit?limit=50&actor=owner");
    expect(wrapper.findAll("[data-testid=audit-entry]")).toHaveLength(0);
  });
});
