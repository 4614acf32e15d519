import { launchOptionsSchema } from "@comfycarry/shared";
import { flushPromises } from "@vue/test-utils";
import { afterEach, describe, expect, it } from "vitest";

import { failWith, stubCommands } from "../../composables/testing/commandStub";
import { CHECK_DEBOUNCE_MS } from "../../composables/useLaunchCheck";
import { mountApp } from "../../test/mountApp";
import LaunchForm from "./LaunchForm.vue";

const PLAN = { args: ["--listen", "127.0.0.1", "--port", "8188"], preview: "python3 main.py --listen 127.0.0.1 --port 8188" };

async function settle(): Promise<void> {
  await flushPromises();
  await new Promise((resolve) => setTimeout(resolve, CHECK_DEBOUNCE_MS + 50));
  await flushPromises();
}

function mountForm(check: (args: Record<string, unknown>) => unknown) {
  const sent = stubCommands({
    "comfyui.launch.get": () => ({ options: launchOptionsSchema.parse({}), ...PLAN }),
    "comfyui.launch.check": check,
  });
  const wrapper = mountApp(LaunchForm, { props: { instanceId: "studio-4090", disabled: false } });
  return { sent, wrapper };
}

describe("LaunchForm", () => {
  afterEach(() => {
    document.body.innerHTML = "";
  });

  it("names the option ComfyUI would refuse and holds the save", async () => {
    const { wrapper, sent } = mountForm(() => failWith("invalid_arguments", "Invalid launch option: this ComfyUI does not accept --bogus.", { option: "--bogus" }));
    await flushPromises();

    await wrapper.get("[data-testid=launch-extra] input").setValue("--bogus");
    await settle();
    expect(wrapper.get("[data-testid=launch-rejected]").text()).toContain("ComfyUI would refuse the option --bogus.");
    expect(wrapper.get("[data-testid=launch-apply]").attributes("disabled")).toBeDefined();
    expect(sent.some((command) => command.name === "comfyui.launch.set")).toBe(false);
  });

  it("previews the command for valid options", async () => {
    const { wrapper } = mountForm(() => ({ args: [...PLAN.args, "--lowvram"], preview: `${PLAN.preview} --lowvram` }));
    await flushPromises();

    await wrapper.get("[data-testid=launch-extra] input").setValue("--lowvram");
    await settle();
    expect(wrapper.get("[data-testid=launch-preview]").text()).toBe(`${PLAN.preview} --lowvram`);
  });

  it("warns when ComfyUI would listen beyond localhost", async () => {
    const { wrapper } = mountForm(() => PLAN);
    await flushPromises();

    await wrapper.get("[data-testid=launch-listen] input").setValue("0.0.0.0");
    expect(wrapper.find("[data-testid=launch-exposed]").exists()).toBe(true);
  });
});
