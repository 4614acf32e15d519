import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it, vi } from "vitest";

import { stubCommands } from "../../composables/testing/commandStub";
import { mountApp } from "../../test/mountApp";
import DeployProgress from "./DeployProgress.vue";

import type { DeployRun, DeployStep } from "@comfycarry/shared";

const AT = "2026-12-04T10:00:00Z";

function step(id: DeployStep["id"], state: DeployStep["state"], extra: Partial<DeployStep> = {}): DeployStep {
  return { id, state, started_at: AT, finished_at: null, duration_ms: null, log: [], error: null, ...extra };
}

function run(state: DeployRun["state"], steps: DeployStep[]): DeployRun {
  return { id: "d1", state, request: { mode: "fresh", comfyui_repository: null, comfyui_ref: null, launch_options: {
    vram_mode: "default", preview_method: "default", attention: "default", force_precision: "default", unet_precision: "default", vae_precision: "default",
    text_encoder_precision: "default", fast: false, output_directory: null, extra_model_paths: [], enable_manager: false, listen: "127.0.0.1", extra_args: "",
  }, attention: "none", custom_nodes: [], sync_presets: [], remote: null, remote_base: null, ready_timeout_s: 300 }, started_at: AT, finished_at: null, steps, node_issues: [] };
}

describe("DeployProgress", () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    document.body.innerHTML = "";
  });

  it("shows each step with state and duration", async () => {
    stubCommands({
      "deploy.status": () => ({ deployed: false, deploy: run("running", [step("preflight", "done", { duration_ms: 1500 }), step("system_packages", "running", { log: ["checking git"] })]) }),
    });

    const wrapper = mountApp(DeployProgress, { props: { instanceId: "i1", deployId: "d1" } });
    await flushPromises();

    expect(wrapper.get("[data-testid=deploy-step-preflight]").text()).toContain("1.5 s");
    expect(wrapper.get("[data-testid=deploy-step-system_packages]").attributes("data-state")).toBe("running");
    expect(wrapper.get("[data-testid=deploy-step-system_packages]").text()).toContain("checking git");
    wrapper.unmount();
  });

  it("shows a failed step's error and retries", async () => {
    const sent = stubCommands({
      "deploy.status": () => ({ deployed: false, deploy: run("failed", [step("comfyui", "failed", { error: { code: "git_failed", message: "git clone of file:///x failed" } })]) }),
      "deploy.retry": () => ({ deploy_id: "d2", skipped: ["preflight"] }),
    });

    const wrapper = mountApp(DeployProgress, { props: { instanceId: "i1", deployId: "d1" } });
    await flushPromises();
    await wrapper.get("[data-testid=deploy-retry]").trigger("click");
    await flushPromises();

    expect(wrapper.get("[data-testid=deploy-step-error-comfyui]").text()).toContain("git clone of file:///x failed");
    expect(sent.filter((command) => command.name === "deploy.retry").map((command) => command.args)).toEqual([{ deploy_id: "d1" }]);
    expect(wrapper.findComponent(DeployProgress).emitted("restarted")).toEqual([["d2"]]);
    wrapper.unmount();
  });

  it("translates a step error code", async () => {
    stubCommands({
      "deploy.status": () => ({ deployed: false, deploy: run("failed", [step("comfyui", "failed", { error: { code: "git_failed", message: "git clone of file:///x failed" } })]) }),
    });

    const wrapper = mountApp(DeployProgress, { props: { instanceId: "i1", deployId: "d1" }, locale: "zh-CN" });
    await flushPromises();
    const error = wrapper.get("[data-testid=deploy-step-error-comfyui]");

    expect(error.text()).toContain("Git 命令执行失败。");
    expect(error.get("details").text()).toContain("git clone of file:///x failed");
    wrapper.unmount();
  });

  it("reads an unknown step code plainly", async () => {
    stubCommands({
      "deploy.status": () => ({ deployed: false, deploy: run("failed", [step("comfyui", "failed", { error: { code: "from_a_newer_build", message: "x" } })]) }),
    });

    const wrapper = mountApp(DeployProgress, { props: { instanceId: "i1", deployId: "d1" }, locale: "zh-CN" });
    await flushPromises();

    expect(wrapper.get("[data-testid=deploy-step-error-comfyui]").text()).toContain("此步骤失败。");
    wrapper.unmount();
  });
});
