import { useIntervalFn } from "@vueuse/core";
import { shallowRef, toValue } from "vue";

import { deadlineFor, sendCommand } from "./instanceCommand";

import type { CommandFailure, CommandOutcome } from "./instanceCommand";
import type { CommandResultData } from "@comfycarry/shared";
import type { MaybeRefOrGetter } from "vue";

/** Status refresh while a page shows it. */
export const STATUS_POLL_MS = 5000;

/** How long a start or restart may take before the page calls it failed, in seconds. */
export const START_WAIT_S = 180;

/** The process actions the pages offer. */
export type ProcessAction = "comfyui.start" | "comfyui.stop" | "comfyui.restart";

/** The last action's outcome, for the page to show. */
export type ProcessOutcome = { action: ProcessAction; ok: true } | { action: ProcessAction; ok: false; error: CommandFailure };

/**
 * ComfyUI's process on the ComfyUI and Plugins pages: `comfyui.status` every few seconds,
 * and start / stop / restart, which wait up to START_WAIT_S for ComfyUI to respond.
 */
export function useComfyuiProcess(instanceId: MaybeRefOrGetter<string>, options: { poll?: boolean } = {}) {
  const status = shallowRef<CommandResultData<"comfyui.status"> | null>(null);
  const statusError = shallowRef<CommandFailure | null>(null);
  const pending = shallowRef<ProcessAction | null>(null);
  const outcome = shallowRef<ProcessOutcome | null>(null);

  async function refresh(): Promise<void> {
    const result = await sendCommand(toValue(instanceId), "comfyui.status", {});
    if (result.ok) {
      status.value = result.data;
      statusError.value = null;
    } else {
      statusError.value = result.error;
    }
  }

  async function run(action: ProcessAction): Promise<boolean> {
    if (pending.value !== null) {
      return false;
    }
    pending.value = action;
    const id = toValue(instanceId);
    let result: CommandOutcome<ProcessAction>;
    if (action === "comfyui.stop") {
      result = await sendCommand(id, action, {});
    } else {
      result = await sendCommand(id, action, { wait_s: START_WAIT_S }, { deadlineMs: deadlineFor(START_WAIT_S) });
    }
    pending.value = null;
    outcome.value = result.ok ? { action, ok: true } : { action, ok: false, error: result.error };
    await refresh();
    return result.ok;
  }

  if (options.poll !== false) {
    useIntervalFn(() => void refresh(), STATUS_POLL_MS, { immediateCallback: true });
  }

  return { status, statusError, pending, outcome, refresh, run };
}
