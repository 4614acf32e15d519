import { flushPromises } from "@vue/test-utils";
import { deployConfigSchema } from "@comfycarry/shared";
import { afterEach, describe, expect, it, vi } from "vitest";

import { mountApp } from "../../test/mountApp";
import RemoteStep from "./RemoteStep.vue";

const COMMAND_ID = "5b8f2a8e-0c41-4d7e-9a55-1f6a2d9c3b10";

/** Stubs the edge: the secret route, and `sync.remote.list`, which shows the remote from its second call on. */
function stubEdge(): { requests: string[] } {
  const requests: string[] = [];
  let lists = 0;
  vi.stubGlobal("fetch", (url: string, init: RequestInit) => {
    requests.push(`${init.method ?? "GET"} ${url}`);
    if (url.startsWith("/api/secrets/")) {
      return Promise.resolve(new Response(null, { status: 204 }));
    }
    const body = JSON.parse(String(init.body)) as { name: string };
    if (body.name === "sync.remote.list") {
      lists += 1;
      const remotes = lists >= 2 ? [{ name: "r2", type: "s3" }] : [];
      return Promise.resolve(Response.json({ command_id: COMMAND_ID, ok: true, data: { remotes } }));
    }
    return Promise.reject(new Error(`no stub for ${body.name}`));
  });
  return { requests };
}

describe("RemoteStep", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    document.body.innerHTML = "";
  });

  it("lists the remotes once the saved conf arrives", async () => {
    const { requests } = stubEdge();

    const wrapper = mountApp(RemoteStep, { props: { instanceId: "i1", stored: false, online: true, config: deployConfigSchema.parse({}) } });
    await flushPromises();
    await wrapper.get("[data-testid=deploy-rclone-conf] textarea").setValue("[r2]\ntype = s3\n");
    await wrapper.get("[data-testid=deploy-rclone-save]").trigger("click");
    await vi.waitFor(() => expect(wrapper.find("[data-testid=deploy-remote-r2]").exists()).toBe(true), { timeout: 5000 });

    expect(requests).toContain("PUT /api/secrets/rclone_conf");
    expect(wrapper.text()).toContain("An rclone.conf is stored at the edge");
    wrapper.unmount();
  });
});
