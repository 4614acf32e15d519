import { afterEach, describe, expect, it } from "vitest";

import { mountApp } from "../../test/mountApp";
import InstalledPacks from "./InstalledPacks.vue";

import type { InstalledPack, NodeTask } from "@comfycarry/shared";

const PACK: InstalledPack = { name: "sim-alpha", cnr_id: "sim-alpha", repository: "https://github.com/owner/sim-alpha", enabled: true, version: "1.0.0", commit: null, update_available: true };
const REFUSAL = "ComfyUI-Manager rejected this action because of its security settings.";

function mountPacks(tasks: NodeTask[], managerReady = true) {
  return mountApp(InstalledPacks, { props: { packs: [PACK], tasks: new Map(tasks.map((task) => [task.target, task])), disabled: false, managerReady } });
}

describe("InstalledPacks", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("shows a failed task's reason on its row", () => {
    const wrapper = mountPacks([{ ui_id: "cc-update-1", action: "update", target: "sim-alpha", state: "failed", message: REFUSAL }]);
    expect(wrapper.get("[data-testid=task-message] [lang=en]").text()).toBe(REFUSAL);
  });

  it("holds the row's buttons while its task runs", () => {
    const wrapper = mountPacks([{ ui_id: "cc-update-1", action: "update", target: "sim-alpha", state: "running", message: null }]);
    expect(wrapper.get("[data-testid=pack-update]").attributes("disabled")).toBeDefined();
  });

  it("offers no Manager actions without Manager", () => {
    const wrapper = mountPacks([], false);
    expect(wrapper.find("[data-testid=pack-update]").exists()).toBe(false);
  });
});
