import { shallowRef } from "vue";

import { fetchFleetStatus } from "../../api/fleet";

import type { ApiFailure } from "../../api/client";
import type { FleetInstanceStatus } from "@comfycarry/shared";

/** Loads the fleet status (uptime, idle time, price, spend) beside the instance list. */
export function useFleetStatus() {
  const statuses = shallowRef<FleetInstanceStatus[]>([]);
  const error = shallowRef<ApiFailure | null>(null);

  async function load(): Promise<void> {
    const result = await fetchFleetStatus();
    if (!result.ok) {
      error.value = result.error;
      return;
    }
    error.value = null;
    statuses.value = result.value.instances;
  }

  return { statuses, error, load };
}
