import { launchOptionsSchema } from "@comfycarry/shared";
import { flushPromises } from "@vue/test-utils";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { effectScope, ref } from "vue";

import { failWith, stubCommands } from "./testing/commandStub";
import { CHECK_DEBOUNCE_MS, useLaunchCheck } from "./useLaunchCheck";

import type { LaunchOptions } from "@comfycarry/shared";

describe("useLaunchCheck", () => {
  let scope = effectScope();

  beforeEach(() => {
    vi.useFakeTimers();
    scope = effectScope();
  });

  afterEach(() => {
    scope.stop();
    vi.useRealTimers();
  });

  function start() {
    const options = ref<LaunchOptions | null>(launchOptionsSchema.parse({}));
    const result = scope.run(() => useLaunchCheck("studio-4090", options));
    if (result === undefined) {
      throw new Error("effect scope is stopped");
    }
    return { options, check: result.check };
  }

  async function type(options: { value: LaunchOptions | null }, text: string): Promise<void> {
    for (const end of [1, 3, text.length]) {
      if (options.value !== null) {
        options.value.extra_args = text.slice(0, end);
      }
      await flushPromises();
    }
    await vi.advanceTimersByTimeAsync(CHECK_DEBOUNCE_MS);
    await flushPromises();
  }

  it("asks the reporter once after typing stops", async () => {
    const sent = stubCommands({ "comfyui.launch.check": () => ({ args: ["--listen", "127.0.0.1"], preview: "python3 main.py --listen 127.0.0.1" }) });
    const { options, check } = start();
    await type(options, "--fast");

    expect(sent).toHaveLength(1);
    expect(check.value).toMatchObject({ state: "ok", preview: "python3 main.py --listen 127.0.0.1" });
  });

  it("names the option the reporter rejects", async () => {
    stubCommands({ "comfyui.launch.check": () => failWith("invalid_arguments", "Invalid launch option: --bogus", { option: "--bogus" }) });
    const { options, check } = start();
    await type(options, "--bogus");

    expect(check.value).toMatchObject({ state: "rejected", option: "--bogus" });
  });

  it("rejects a relative output folder without a request", async () => {
    const sent = stubCommands({});
    const { options, check } = start();
    if (options.value !== null) {
      options.value.output_directory = "outputs";
    }
    await flushPromises();
    await vi.advanceTimersByTimeAsync(CHECK_DEBOUNCE_MS);

    expect(sent).toHaveLength(0);
    expect(check.value).toMatchObject({ state: "rejected", option: "output_directory" });
  });
});
