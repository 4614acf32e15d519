import { computed, onScopeDispose, shallowRef, toValue } from "vue";

import { sendCommand } from "./instanceCommand";

import type { NodeTask } from "@comfycarry/shared";
import type { MaybeRefOrGetter } from "vue";

/** Poll interval while ComfyUI-Manager has work queued or running. */
export const TASK_POLL_MS = 1000;

/**
 * Per-row progress of ComfyUI-Manager actions: `nodes.tasks` is read about once a second
 * while the reporter reports work in progress, and once after each action is queued.
 * `onSettled` runs when the queue empties, e.g. to reload the installed list.
 */
export function useNodeTasks(instanceId: MaybeRefOrGetter<string>, onSettled: () => void = () => undefined) {
  const tasks = shallowRef<NodeTask[]>([]);
  const busy = shallowRef(false);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  async function poll(): Promise<void> {
    timer = null;
    const result = await sendCommand(toValue(instanceId), "nodes.tasks", {});
    if (stopped) {
      return;
    }
    if (result.ok) {
      const wasBusy = busy.value;
      tasks.value = result.data.tasks;
      busy.value = result.data.busy;
      if (wasBusy && !result.data.busy) {
        onSettled();
      }
    }
    if (busy.value) {
      timer = setTimeout(() => void poll(), TASK_POLL_MS);
    }
  }

  /** Starts polling now, e.g. right after an action was queued. */
  function kick(): void {
    if (timer !== null) {
      clearTimeout(timer);
    }
    busy.value = true;
    void poll();
  }

  /** The newest task for each target (registry id or folder name). */
  const byTarget = computed(() => {
    const map = new Map<string, NodeTask>();
    for (const task of tasks.value) {
      map.set(task.target, task);
    }
    return map;
  });

  onScopeDispose(() => {
    stopped = true;
    if (timer !== null) {
      clearTimeout(timer);
    }
  });

  return { tasks, busy, byTarget, kick, poll };
}
