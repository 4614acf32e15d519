import { describe, expect, it, vi } from "vitest";
import { nextTick } from "vue";

import { mountApp } from "../../test/mountApp";
import SafeLine from "./SafeLine.vue";

import type { Overview } from "@comfycarry/shared";

function section(patch: Partial<Extract<Overview["sync"], { available: true }>>): Overview["sync"] {
  return { available: true, worker_running: true, rules_count: 1, last_activity: null, last_status: "success", ...patch };
}

describe("SafeLine", () => {
  it("says all synced with the age", () => {
    const sync = section({ safe: true, unsynced_files: 0, all_synced_at: new Date(Date.now() - 12_000).toISOString() });
    const wrapper = mountApp(SafeLine, { props: { sync, instanceId: "demo" } });
    expect(wrapper.get("[data-testid=sync-safe]").text()).toMatch(/All synced 1[1-3] s ago/);
  });

  it("counts unsynced files in Chinese", () => {
    const wrapper = mountApp(SafeLine, { props: { sync: section({ safe: false, unsynced_files: 3 }), instanceId: "demo" }, locale: "zh-CN" });
    expect(wrapper.get("[data-testid=sync-safe]").text()).toContain("3 个文件尚未同步");
  });

  it("sends sync.now from its button", async () => {
    const fetchMock = vi.fn((_url: string, _init?: RequestInit) =>
      Promise.resolve(new Response(JSON.stringify({ command_id: "5f0c3c6e-2b9a-4d1e-8f7a-6b5c4d3e2f1a", ok: true, data: { rule_ids: ["outputs"] } }), { status: 200 })),
    );
    vi.stubGlobal("fetch", fetchMock);
    const wrapper = mountApp(SafeLine, { props: { sync: section({ safe: false, unsynced_files: 1 }), instanceId: "demo" } });

    await wrapper.get("[data-testid=sync-now]").trigger("click");
    await nextTick();
    const init = fetchMock.mock.calls[0]?.[1] as RequestInit | undefined;
    expect(JSON.parse(String(init?.body))).toEqual({ name: "sync.now", args: {} });
  });
});
