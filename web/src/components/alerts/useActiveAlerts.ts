import { useIntervalFn } from "@vueuse/core";
import { computed } from "vue";

import { fetchAlerts } from "../../api/alerts";
import { useRemoteData } from "../../composables/useRemoteData";

/** How often the status bar requests active alerts, so a new alert shows within this time. */
const REFRESH_MS = 30_000;

/** Active alerts of every instance, reloaded every REFRESH_MS while the component lives. */
export function useActiveAlerts() {
  const remote = useRemoteData(async () => fetchAlerts("active"));
  const alerts = computed(() => remote.data.value?.alerts ?? []);
  const unacknowledged = computed(() => alerts.value.filter((alert) => alert.acknowledged_at === null));
  const worst = computed(() => {
    if (alerts.value.some((alert) => alert.severity === "critical")) {
      return "critical";
    }
    return alerts.value.length > 0 ? "warning" : "none";
  });

  void remote.refresh();
  useIntervalFn(() => void remote.refresh(), REFRESH_MS);
  return { alerts, unacknowledged, worst, refresh: remote.refresh, error: remote.error };
}
