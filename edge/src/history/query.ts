/** @module Builds the body of `GET /api/instances/:id/history` from the instance's stored points. */
import { HISTORY_TIERS } from "@comfycarry/shared";
import type { HistoryRange, HistoryResponse } from "@comfycarry/shared";

import type { HistoryStore } from "./store.js";

/** Returns the points of `range` up to `now`. */
export function historyResponse(instanceId: string, history: HistoryStore, range: HistoryRange, now: number): HistoryResponse {
  const { spanMs, resolutionMs } = HISTORY_TIERS[range];
  return { instance_id: instanceId, range, resolution_ms: resolutionMs, from: now - spanMs, to: now, samples: history.read(range, now) };
}
