import { useIntervalFn } from "@vueuse/core";
import { computed } from "vue";

import { fetchAlertSummary } from "../../api/alerts";
import { useRemoteData } from "../../composables/useRemoteData";

/** How often the status bar requests the alert counts, so a new alert shows within this time. */
const REFRESH_MS = 30_000;

/** Active alert counts of the whole fleet, reloaded every REFRESH_MS while the component lives. */
export function useActiveAlerts() {
  const remote = useRemoteData(async () => fetchAlertSummary());
  const active = computed(() => remote.data.value?.active ?? 0);
  const worst = computed(() => {
    const summary = remote.data.value;
    if (summary === null || summary.active === 0) {
      return "none";
    }
    return summary.critical > 0 ? "critical" : "warning";
  });

  void remote.refresh();
  useIntervalFn(() => void remote.refresh(), REFRESH_MS);
  return { active, worst, refresh: remote.refresh, error: remote.error };
}
