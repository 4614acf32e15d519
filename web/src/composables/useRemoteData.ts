import { ref, shallowRef } from "vue";

import type { ApiFailure, ApiResult } from "../api/client";
import type { Ref, ShallowRef } from "vue";

/** A value loaded from the edge, with the last failure and whether a load is running. */
export interface RemoteData<T> {
  data: ShallowRef<T | null>;
  error: Ref<ApiFailure | null>;
  loading: Ref<boolean>;
  /** Loads again; the previous value stays visible until the new one arrives. */
  refresh: () => Promise<void>;
}

/** Holds the result of `load`, which runs on `refresh`; a failure keeps the last good value. */
export function useRemoteData<T>(load: () => Promise<ApiResult<T>>): RemoteData<T> {
  const data = shallowRef<T | null>(null);
  const error = ref<ApiFailure | null>(null);
  const loading = ref(false);

  async function refresh(): Promise<void> {
    loading.value = true;
    const result = await load();
    loading.value = false;
    if (result.ok) {
      data.value = result.value;
      error.value = null;
    } else {
      error.value = result.error;
    }
  }

  return { data, error, loading, refresh };
}
