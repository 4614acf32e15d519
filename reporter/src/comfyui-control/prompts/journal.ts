/**
 * Journals every prompt ComfyUI queues and settles it from the bridge's events. A prompt
 * still open when ComfyUI no longer has it (not queued, no history) is lost: ComfyUI keeps
 * its queue in memory, so a crash or restart drops it. Lost prompts can be queued again.
 */
import { randomUUID } from "node:crypto";

import { ComfyCarryError, PROMPT_LOST_EXCEPTION } from "@comfycarry/shared";
import type { JournaledPrompt, ProtocolEvent } from "@comfycarry/shared";

import type { Logger } from "../../log/logger.js";
import { historyOutcome, postPrompt, readQueue } from "./comfy-api.js";
import { PromptStore } from "./store.js";

/** The part of a /queue read the journal keeps: each prompt's graph and `extra_data`. */
interface JournalQueue {
  queue_running: readonly JournalQueueItem[];
  queue_pending: readonly JournalQueueItem[];
}

interface JournalQueueItem {
  promptId: string;
  graph: object | null;
  extra: Record<string, unknown>;
}

export class PromptJournal {
  readonly #store: PromptStore;
  readonly #baseUrl: string;
  readonly #log: Logger;
  #syncing: Promise<void> | null = null;
  #again = false;
  /** State of each prompt at the last /queue read, as written to the store. */
  #lastQueue = new Map<string, "queued" | "running">();

  constructor(path: string, baseUrl: string, log: Logger) {
    this.#store = new PromptStore(path);
    this.#baseUrl = baseUrl;
    this.#log = log.child({ component: "prompt-journal" });
  }

  start(): void {
    this.#store.prune();
  }

  stop(): void {
    this.#store.close();
  }

  /** Takes one bridge event: endings settle the prompt. */
  observe(event: ProtocolEvent): void {
    switch (event.kind) {
      case "comfyui.execution_success":
        this.#store.settle(event.prompt_id, "done");
        return;
      case "comfyui.execution_interrupted":
        this.#store.settle(event.prompt_id, "interrupted");
        return;
      case "comfyui.execution_error":
        this.#store.settle(event.prompt_id, event.exception_type === PROMPT_LOST_EXCEPTION ? "lost" : "failed", event.exception_message.slice(0, 500));
        return;
      default:
        return;
    }
  }

  /**
   * Records the prompts of a /queue read. The ComfyUI bridge reads /queue on every queue
   * change and every 10 s while connected, and hands each read here, so the journal does not
   * read it a second time.
   */
  recordQueue(queue: JournalQueue): void {
    this.#recordQueue(queue);
  }

  /** Reads /queue and records its prompts; calls during a read fold into one more read. */
  sync(): Promise<void> {
    if (this.#syncing !== null) {
      this.#again = true;
      return this.#syncing;
    }
    this.#syncing = (async () => {
      do {
        this.#again = false;
        try {
          this.#recordQueue(await readQueue(this.#baseUrl));
        } catch (error) {
          this.#log.debug({ err: error }, "reading ComfyUI's queue for the journal failed");
          return;
        }
      } while (this.#again);
    })().finally(() => {
      this.#syncing = null;
    });
    return this.#syncing;
  }

  /** Settles open prompts against ComfyUI, then lists the newest. `online` is false when ComfyUI did not answer. */
  async list(limit: number): Promise<{ comfyui_online: boolean; prompts: JournaledPrompt[] }> {
    let online = true;
    try {
      await this.#reconcile();
    } catch (error) {
      online = false;
      this.#log.debug({ err: error }, "ComfyUI did not answer; open prompts stay as they are");
    }
    return { comfyui_online: online, prompts: this.#store.list(limit) };
  }

  /** Queues lost (or failed, interrupted) prompts again under new ids; returns the pairs. */
  async requeue(promptIds: string[]): Promise<Array<{ from: string; to: string }>> {
    await this.#reconcile();
    const done: Array<{ from: string; to: string }> = [];
    for (const promptId of promptIds) {
      const row = this.#store.get(promptId);
      const saved = this.#store.graph(promptId);
      if (row === null || saved === null) {
        throw new ComfyCarryError("not_found", `No journaled prompt ${promptId}.`, { prompt_id: promptId });
      }
      if (row.state !== "lost" && row.state !== "failed" && row.state !== "interrupted") {
        throw new ComfyCarryError("invalid_arguments", `Prompt ${promptId} is ${row.state}; only lost, failed or interrupted prompts are queued again.`, { prompt_id: promptId, state: row.state });
      }

      const newId = await postPrompt(this.#baseUrl, randomUUID(), saved.graph, saved.extra);
      this.#store.record(newId, saved.graph as object, saved.extra as object, "queued");
      this.#store.markRequeued(promptId, newId);
      this.#log.info({ promptId, newPromptId: newId }, "lost prompt queued again");
      done.push({ from: promptId, to: newId });
    }
    return done;
  }

  #recordQueue(queue: JournalQueue): void {
    const seen = new Map<string, "queued" | "running">();
    for (const [items, state] of [
      [queue.queue_running, "running"],
      [queue.queue_pending, "queued"],
    ] as const) {
      for (const item of items) {
        if (item.graph === null) {
          continue;
        }
        seen.set(item.promptId, state);
        // A prompt in the same state as at the last read is already stored that way, and
        // skipping it saves a synchronous SQLite write on every queue change and poll.
        if (this.#lastQueue.get(item.promptId) === state) {
          continue;
        }
        if (this.#store.record(item.promptId, item.graph, item.extra, state)) {
          this.#log.debug({ promptId: item.promptId, state }, "prompt journaled");
        } else if (state === "running") {
          this.#store.settle(item.promptId, "running");
        }
      }
    }
    this.#lastQueue = seen;
  }

  /** Reads /queue first and /history second, so a prompt finishing in between is found in one of them. */
  async #reconcile(): Promise<void> {
    const queue = await readQueue(this.#baseUrl);
    this.#recordQueue(queue);
    const present = new Set([...queue.queue_running, ...queue.queue_pending].map((item) => item.promptId));
    for (const promptId of this.#store.open()) {
      if (present.has(promptId)) {
        continue;
      }
      const outcome = await historyOutcome(this.#baseUrl, promptId);
      this.#store.settle(promptId, outcome ?? "lost", outcome === null ? "ComfyUI no longer has this prompt: it restarted or crashed before finishing it." : null);
    }
  }
}
