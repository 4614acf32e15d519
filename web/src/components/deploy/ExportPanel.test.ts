import { flushPromises } from "@vue/test-utils";
import { deployConfigSchema } from "@comfycarry/shared";
import { afterEach, describe, expect, it, vi } from "vitest";

import { mountApp } from "../../test/mountApp";
import ExportPanel from "./ExportPanel.vue";

const FILE = { format: "comfycarry.config.v1", exported_at: "2026-12-04T10:00:00Z", config: deployConfigSchema.parse({}), secrets: null };

describe("ExportPanel", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    document.body.innerHTML = "";
  });

  it("sends the passphrase only when given", async () => {
    const bodies: unknown[] = [];
    vi.stubGlobal("fetch", (_url: string, init: RequestInit) => {
      bodies.push(JSON.parse(String(init.body)));
      return Promise.resolve(Response.json(FILE));
    });
    vi.stubGlobal(
      "URL",
      class extends URL {
        static override createObjectURL(): string {
          return "blob:export";
        }

        static override revokeObjectURL(): void {}
      },
    );

    const wrapper = mountApp(ExportPanel, { props: { instanceId: "i1" } });
    await wrapper.get("[data-testid=deploy-export-download]").trigger("click");
    await flushPromises();
    await wrapper.get("[data-testid=deploy-export-passphrase] input").setValue("purple walrus in the rain");
    await wrapper.get("[data-testid=deploy-export-download]").trigger("click");
    await flushPromises();

    expect(bodies).toEqual([{ instance_id: "i1" }, { instance_id: "i1", passphrase: "purple walrus in the rain" }]);
    wrapper.unmount();
  });

  it("holds a passphrase that is too short", async () => {
    vi.stubGlobal("fetch", vi.fn());

    const wrapper = mountApp(ExportPanel, { props: { instanceId: "i1" } });
    await wrapper.get("[data-testid=deploy-export-passphrase] input").setValue("short");

    expect(wrapper.get("[data-testid=deploy-export-download]").attributes("disabled")).toBeDefined();
    wrapper.unmount();
  });
});
