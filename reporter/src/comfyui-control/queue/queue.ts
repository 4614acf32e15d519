/** The running and pending prompts, with submit times, and deleting pending ones. */
import { toUtcTimestamp } from "@comfycarry/shared";
import type { ComfyuiQueueEntry } from "@comfycarry/shared";

import { deletePending, fetchQueue } from "./comfy-routes.js";
import type { RawQueueItem } from "./comfy-routes.js";

/** Submit times the prompt journal knows, by prompt id; read after /queue so it has seen every item. */
export type SubmitTimes = () => Promise<Map<string, string>>;

function entryOf(item: RawQueueItem, journal: Map<string, string>): ComfyuiQueueEntry {
  const created = item.createTime === null ? null : toUtcTimestamp(new Date(item.createTime));
  return {
    prompt_id: item.promptId,
    number: item.number,
    submitted_at: journal.get(item.promptId) ?? created,
    node_count: item.nodeCount,
    client_id: item.clientId,
  };
}

export async function listQueue(baseUrl: string, submitTimes: SubmitTimes, signal?: AbortSignal): Promise<{ running: ComfyuiQueueEntry[]; pending: ComfyuiQueueEntry[] }> {
  const queue = await fetchQueue(baseUrl, signal);
  const journal = await submitTimes();

  // ComfyUI's pending list is a heap copy, not sorted; it runs the lowest number first.
  const pending = [...queue.queue_pending].sort((a, b) => a.number - b.number);
  return { running: queue.queue_running.map((item) => entryOf(item, journal)), pending: pending.map((item) => entryOf(item, journal)) };
}

/** Deletes pending prompts, then reads /queue again to report what is really gone. */
export async function deleteFromQueue(baseUrl: string, promptIds: string[], signal?: AbortSignal): Promise<{ deleted: string[]; not_deleted: string[] }> {
  const before = await fetchQueue(baseUrl, signal);
  const pendingBefore = new Set(before.queue_pending.map((item) => item.promptId));
  await deletePending(baseUrl, promptIds, signal);

  const after = await fetchQueue(baseUrl, signal);
  const stillThere = new Set([...after.queue_pending, ...after.queue_running].map((item) => item.promptId));
  const deleted = promptIds.filter((id) => pendingBefore.has(id) && !stillThere.has(id));
  return { deleted, not_deleted: promptIds.filter((id) => !deleted.includes(id)) };
}
