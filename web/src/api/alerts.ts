import { alertListSchema, alertSchema } from "@comfycarry/shared";

import { requestJson } from "./client";

// Alert routes of the edge; bodies are parsed with the schemas in shared/src/alerts.ts.

const encode = encodeURIComponent;

/** Lists the alerts of every instance, newest first. */
export function fetchAlerts(state: "active" | "all", limit = 200) {
  return requestJson("GET", `/api/alerts?state=${state}&limit=${limit}`, alertListSchema);
}

/** Marks one alert acknowledged; the edge returns it updated. */
export function acknowledgeAlert(instanceId: string, alertId: string) {
  return requestJson("POST", `/api/instances/${encode(instanceId)}/alerts/${encode(alertId)}/ack`, alertSchema);
}
