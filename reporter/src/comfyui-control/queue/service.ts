/** @module ComfyUI's queue and history for the dashboard: listing, deleting, thumbnails. */
import type { ComfyuiHistoryItem, ComfyuiQueueEntry } from "@comfycarry/shared";

import { listHistory } from "./history.js";
import { deleteFromQueue, listQueue } from "./queue.js";
import type { SubmitTimes } from "./queue.js";
import { thumbnail } from "./thumbnail.js";
import type { Thumbnail, ViewTarget } from "./thumbnail.js";

export type { SubmitTimes } from "./queue.js";

export class QueueService {
  readonly #baseUrl: string;
  readonly #submitTimes: SubmitTimes;

  constructor(baseUrl: string, submitTimes: SubmitTimes) {
    this.#baseUrl = baseUrl.replace(/\/+$/, "");
    this.#submitTimes = submitTimes;
  }

  list(signal?: AbortSignal): Promise<{ running: ComfyuiQueueEntry[]; pending: ComfyuiQueueEntry[] }> {
    return listQueue(this.#baseUrl, this.#submitTimes, signal);
  }

  delete(promptIds: string[], signal?: AbortSignal): Promise<{ deleted: string[]; not_deleted: string[] }> {
    return deleteFromQueue(this.#baseUrl, promptIds, signal);
  }

  async history(limit: number, signal?: AbortSignal): Promise<{ items: ComfyuiHistoryItem[] }> {
    return { items: await listHistory(this.#baseUrl, limit, signal) };
  }

  thumbnail(target: ViewTarget, signal?: AbortSignal): Promise<Thumbnail> {
    return thumbnail(this.#baseUrl, target, undefined, signal);
  }
}
