/** Recent history entries: outcome, timing and output images from ComfyUI's /history. */
import { toUtcTimestamp } from "@comfycarry/shared";
import type { ComfyuiHistoryItem } from "@comfycarry/shared";

import { fetchHistory, imagesOf } from "./comfy-routes.js";
import type { RawHistoryEntry } from "./comfy-routes.js";

const ENDINGS = {
  execution_success: "success",
  execution_error: "error",
  execution_interrupted: "interrupted",
} as const;

function isEnding(kind: string): kind is keyof typeof ENDINGS {
  return Object.hasOwn(ENDINGS, kind);
}

function timestamp(ms: number | undefined): string | null {
  return ms === undefined ? null : toUtcTimestamp(new Date(ms));
}

/** Reads the outcome from the last ending message; `status_str` alone cannot tell error from interrupt. */
export function summarize(promptId: string, entry: RawHistoryEntry): ComfyuiHistoryItem {
  const messages = entry.status?.messages ?? [];
  const start = messages.find(([kind]) => kind === "execution_start")?.[1].timestamp;
  const ending = messages.findLast(([kind]) => isEnding(kind));

  let status: ComfyuiHistoryItem["status"] = "unknown";
  if (ending !== undefined && isEnding(ending[0])) {
    status = ENDINGS[ending[0]];
  } else if (entry.status?.status_str === "success") {
    status = "success";
  } else if (entry.status?.status_str === "error") {
    status = "error";
  }

  const end = ending?.[1].timestamp;
  return {
    prompt_id: promptId,
    status,
    started_at: timestamp(start),
    ended_at: timestamp(end),
    duration_ms: start !== undefined && end !== undefined ? Math.max(0, Math.round(end - start)) : null,
    images: imagesOf(entry).map((image) => ({ filename: image.filename, subfolder: image.subfolder, type: image.type })),
  };
}

/** The newest `limit` finished prompts, newest first. */
export async function listHistory(baseUrl: string, limit: number, signal?: AbortSignal): Promise<ComfyuiHistoryItem[]> {
  const entries = await fetchHistory(baseUrl, limit, signal);
  return Object.entries(entries)
    .slice(-limit)
    .reverse()
    .map(([promptId, entry]) => summarize(promptId, entry));
}
