import { launchOptionsSchema } from "@comfycarry/shared";
import { useDebounceFn } from "@vueuse/core";
import { shallowRef, toValue, watch } from "vue";

import { rejectedOption, sendCommand } from "./instanceCommand";

import type { CommandFailure } from "./instanceCommand";
import type { LaunchOptions } from "@comfycarry/shared";
import type { MaybeRefOrGetter } from "vue";

/** Wait after the last keystroke before asking the reporter. */
export const CHECK_DEBOUNCE_MS = 400;

/** What the launch form shows under its fields: the command the reporter would run, or why it refuses. */
export type LaunchCheck =
  | { state: "idle" }
  | { state: "checking" }
  | { state: "ok"; preview: string; args: string[] }
  | { state: "rejected"; option: string | null; message: string; error: CommandFailure | null };

/**
 * Checks launch options as the user types: first against the shared schema in the page,
 * then with `comfyui.launch.check`, which tests them against the installed ComfyUI's
 * `--help`. Only the answer to the newest options is kept.
 */
export function useLaunchCheck(instanceId: MaybeRefOrGetter<string>, options: MaybeRefOrGetter<LaunchOptions | null>) {
  const check = shallowRef<LaunchCheck>({ state: "idle" });
  let sequence = 0;

  async function run(): Promise<void> {
    const current = toValue(options);
    if (current === null) {
      return;
    }
    sequence += 1;
    const mine = sequence;

    const local = launchOptionsSchema.safeParse(current);
    if (!local.success) {
      const issue = local.error.issues[0];
      check.value = { state: "rejected", option: String(issue?.path[0] ?? ""), message: issue?.message ?? "", error: null };
      return;
    }

    const result = await sendCommand(toValue(instanceId), "comfyui.launch.check", { options: local.data });
    if (mine !== sequence) {
      return;
    }
    check.value = result.ok
      ? { state: "ok", preview: result.data.preview, args: result.data.args }
      : { state: "rejected", option: rejectedOption(result.error), message: result.error.message, error: result.error };
  }

  const debounced = useDebounceFn(() => run(), CHECK_DEBOUNCE_MS);

  watch(
    () => JSON.stringify(toValue(options)),
    () => {
      check.value = { state: "checking" };
      void debounced();
    },
  );

  return { check, run };
}
