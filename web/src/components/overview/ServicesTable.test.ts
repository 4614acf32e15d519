import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";

import { exampleSnapshot } from "../../test/fixtures";
import { mountApp } from "../../test/mountApp";
import ServicesTable from "./ServicesTable.vue";

/** Makes `(min-width: 768px)` match or not, as on a desktop or a phone. */
function setWide(wide: boolean): void {
  vi.spyOn(window, "matchMedia").mockImplementation((query: string) => {
    const list = new EventTarget() as MediaQueryList;
    Object.assign(list, { matches: wide, media: query, onchange: null, addListener: () => {}, removeListener: () => {} });
    return list;
  });
}

function mountTable() {
  return mountApp(ServicesTable, { props: { instanceId: "studio-4090", services: exampleSnapshot().services, disabled: false } });
}

const COMMAND_ID = "5b8f2a8e-0c41-4d7e-9a55-1f6a2d9c3b10";

describe("ServicesTable", () => {
  afterEach(() => {
    vi.restoreAllMocks();
    document.body.innerHTML = "";
  });

  it("is a table on a wide screen", () => {
    setWide(true);
    const wrapper = mountTable();
    expect(wrapper.find("[data-testid=services-table]").exists()).toBe(true);
    expect(wrapper.find("[data-testid=services-cards]").exists()).toBe(false);
  });

  it("is a card list below 768 px", () => {
    setWide(false);
    const wrapper = mountTable();
    expect(wrapper.find("[data-testid=services-cards]").exists()).toBe(true);
    expect(wrapper.get("[data-testid=service-card-comfy]").text()).toContain("2h30m");
  });

  it("asks before stopping and sends nothing until confirmed", async () => {
    setWide(false);
    const fetch = vi.fn();
    vi.stubGlobal("fetch", fetch);
    const wrapper = mountTable();

    await wrapper.get("[data-testid='service.stop-comfy']").trigger("click");
    await flushPromises();
    expect(document.body.textContent).toContain("Stop comfy?");
    expect(fetch).not.toHaveBeenCalled();
  });

  it("restarts with a POST and reports the result", async () => {
    setWide(false);
    const fetch = vi.fn(() =>
      Promise.resolve(
        new Response(JSON.stringify({ command_id: COMMAND_ID, ok: true, data: { name: "comfy", status: "online", restarts: 1, pid: 7 } }), {
          status: 200,
          headers: { "content-type": "application/json" },
        }),
      ),
    );
    vi.stubGlobal("fetch", fetch);
    const wrapper = mountTable();

    await wrapper.get("[data-testid='service.restart-comfy']").trigger("click");
    await flushPromises();
    expect(fetch).toHaveBeenCalledWith("/api/instances/studio-4090/commands", expect.objectContaining({ method: "POST", body: JSON.stringify({ name: "service.restart", args: { name: "comfy" } }) }));
    expect(document.body.textContent).toContain("comfy: Restart done");
  });

  it("translates a failed command's error code", async () => {
    setWide(false);
    const body = { error: { code: "instance_offline", message: "instance offline since 2026-02-18T09:00:00.000Z" } };
    vi.stubGlobal("fetch", () => Promise.resolve(new Response(JSON.stringify(body), { status: 503 })));
    const wrapper = mountTable();

    await wrapper.get("[data-testid='service.restart-comfy']").trigger("click");
    await flushPromises();
    expect(document.body.textContent).toContain("The instance is offline. Try again when its reporter reconnects.");
  });
});
