import { defineStore } from "pinia";
import { ref, shallowRef } from "vue";

import { fetchInstances } from "../api/edge";
import { readCachedFleet, writeCachedFleet } from "../lib/overviewCache";

import type { ApiFailure } from "../api/client";
import type { InstanceSummary } from "@comfycarry/shared";

/** Holds the instance list, seeded from the cache so the fleet page draws at once. */
export const useFleetStore = defineStore("fleet", () => {
  const instances = shallowRef<InstanceSummary[]>(readCachedFleet());
  const loaded = ref(false);
  const error = shallowRef<ApiFailure | null>(null);
  /** Set once the single-instance shortcut has fired, so "All instances" shows the list afterwards. */
  const autoOpened = ref(false);

  /** Reloads the list from the edge. */
  async function load(): Promise<void> {
    const result = await fetchInstances();
    if (!result.ok) {
      error.value = result.error;
      return;
    }
    error.value = null;
    instances.value = result.value.instances;
    loaded.value = true;
    writeCachedFleet(result.value.instances);
  }

  /** Returns an instance's display name, or its id before the list has loaded. */
  function nameOf(instanceId: string): string {
    return instances.value.find((instance) => instance.instance_id === instanceId)?.name ?? instanceId;
  }

  return { instances, loaded, error, autoOpened, load, nameOf };
});
