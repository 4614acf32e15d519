import { flushPromises } from "@vue/test-utils";
import { deployConfigSchema } from "@comfycarry/shared";
import { afterEach, describe, expect, it, vi } from "vitest";

import { mountApp } from "../../test/mountApp";
import ImportPanel from "./ImportPanel.vue";

const RESULT = {
  source: "upstream",
  report: [
    { field: "civitai_token", outcome: "applied", target: "secret:civitai_token", reason: "stored encrypted at the edge; it is not shown again" },
    { field: "sync_rules[3]", outcome: "rejected", target: null, reason: "remote_path must name a folder on the remote, without '..'" },
    { field: "ssh_keys", outcome: "not_applied", target: null, reason: "SSH access is not managed by this version" },
  ],
  config: deployConfigSchema.parse({}),
  secrets_stored: ["civitai_token"],
  stored: true,
};

async function choose(wrapper: ReturnType<typeof mountApp>, text: string): Promise<void> {
  const input = wrapper.get("[data-testid=deploy-import-file]").element as HTMLInputElement;
  Object.defineProperty(input, "files", { value: [new File([text], "comfycarry-config.json", { type: "application/json" })] });
  await wrapper.get("[data-testid=deploy-import-file]").trigger("change");
  await flushPromises();
  await new Promise((resolve) => setTimeout(resolve, 0));
  await flushPromises();
}

describe("ImportPanel", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    document.body.innerHTML = "";
  });

  it("shows every report row and its outcome", async () => {
    const bodies: unknown[] = [];
    vi.stubGlobal("fetch", (_url: string, init: RequestInit) => {
      bodies.push(JSON.parse(String(init.body)));
      return Promise.resolve(Response.json(RESULT));
    });

    const wrapper = mountApp(ImportPanel, { props: { instanceId: "i1" } });
    await choose(wrapper, JSON.stringify({ _version: 1, civitai_token: "x" }));

    expect(wrapper.get("[data-testid=deploy-import-summary]").text()).toContain("1 applied, 1 rejected, 1 not applied.");
    expect(wrapper.get("[data-testid=deploy-import-report]").text()).toContain("sync_rules[3]");
    expect(wrapper.get("[data-testid=deploy-import-report]").text()).toContain("Not applied");
    expect(wrapper.get("[data-testid=deploy-import-report] details [lang=en]").text()).toBe("stored encrypted at the edge; it is not shown again");
    expect(bodies).toEqual([{ file: { _version: 1, civitai_token: "x" }, instance_id: "i1" }]);
    expect(wrapper.findComponent(ImportPanel).emitted("imported")).toHaveLength(1);
    wrapper.unmount();
  });

  it("rejects a file that is not JSON", async () => {
    const fetchSpy = vi.fn();
    vi.stubGlobal("fetch", fetchSpy);

    const wrapper = mountApp(ImportPanel, { props: { instanceId: "i1" } });
    await choose(wrapper, "not json {");

    expect(wrapper.find("[data-testid=deploy-import-unreadable]").exists()).toBe(true);
    expect(fetchSpy).not.toHaveBeenCalled();
    wrapper.unmount();
  });
});
