import { fleetStatusSchema, historyResponseSchema, instancePriceSchema } from "@comfycarry/shared";

import { requestEmpty, requestJson } from "./client";

import type { HistoryRange, PriceRequest } from "@comfycarry/shared";

/** Fetches every instance's status: link, uptime, idle time, price and spend. */
export function fetchFleetStatus() {
  return requestJson("GET", "/api/fleet/status", fleetStatusSchema);
}

/** Fetches one instance's heartbeat history over `range`. */
export function fetchHistory(instanceId: string, range: HistoryRange) {
  return requestJson("GET", `/api/instances/${encodeURIComponent(instanceId)}/history?range=${range}`, historyResponseSchema);
}

/** Sets an instance's hourly price, typed in or read from its provider. */
export function setInstancePrice(instanceId: string, request: PriceRequest) {
  return requestJson("PUT", `/api/instances/${encodeURIComponent(instanceId)}/price`, instancePriceSchema, { body: request });
}

/** Removes an instance's price and with it the spend figure. */
export function clearInstancePrice(instanceId: string) {
  return requestEmpty("DELETE", `/api/instances/${encodeURIComponent(instanceId)}/price`);
}
