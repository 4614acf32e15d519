import { useMessage } from "naive-ui";
import { ref } from "vue";

import { useFailureText } from "./useFailureText";

import type { ApiResult } from "../api/client";

/** How long a failure stays on screen: long enough to read a sentence and its fix. */
const FAILURE_MS = 8000;

/**
 * Runs edge requests for a settings form or list. `busy` names the action in flight, so its
 * button can spin and a second click is ignored. A failure is shown as a message with its
 * details, and `run` then returns null.
 */
export function useApiAction() {
  const message = useMessage();
  const describe = useFailureText();
  const busy = ref<string | null>(null);

  async function run<T>(key: string, action: () => Promise<ApiResult<T>>, success?: string): Promise<{ value: T } | null> {
    if (busy.value !== null) {
      return null;
    }

    busy.value = key;
    const result = await action();
    busy.value = null;
    if (!result.ok) {
      message.error(describe(result.error), { duration: FAILURE_MS });
      return null;
    }
    if (success !== undefined) {
      message.success(success);
    }
    return { value: result.value };
  }

  return { busy, run };
}
