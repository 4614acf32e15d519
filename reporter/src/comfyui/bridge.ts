import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";

import { parseFrame } from "@comfycarry/shared";
import type { CurrentPrompt, ProtocolEvent } from "@comfycarry/shared";

import type { BackoffOptions } from "../link/backoff.js";
import type { Logger } from "../log/logger.js";
import type { ComfyuiHttp } from "./http.js";
import { ComfyuiSocket } from "./own-socket.js";
import { PromptTracker } from "./prompt-tracker.js";
import { frameDataSchemas, wsFrameSchema } from "./schemas.js";
import { parseTqdm } from "./tqdm.js";

export interface ComfyuiBridgeOptions {
  http: ComfyuiHttp;
  log: Logger;
  /** Client id of the reporter's own socket. Prompts queued with this client id send every per-prompt frame to it. */
  clientId?: string;
  /** Re-reads /queue this often while connected, in case a `status` frame was missed. */
  queuePollMs?: number;
  /** Delay before a second /history read of a prompt that was not found, in ms. */
  historyRetryMs?: number;
  socketBackoff?: BackoffOptions;
}

export interface ComfyuiBridgeEvents {
  event: [event: ProtocolEvent];
}

/** The prompt part of the overview's `comfyui` section. */
export interface PromptView {
  queue_running: number;
  queue_pending: number;
  current: CurrentPrompt | null;
  last_activity_at: string | null;
}

/**
 * Follows ComfyUI's prompts for the dashboard. Frames come from the reporter's own socket
 * and, through `observe`, from every socket the proxy relays. Prompts queued by clients
 * that bypass both are found through /queue and finished through /history. Their step
 * progress comes from the tqdm bars in ComfyUI's log stream.
 */
export class ComfyuiBridge extends EventEmitter<ComfyuiBridgeEvents> {
  readonly clientId: string;
  readonly #http: ComfyuiHttp;
  readonly #log: Logger;
  readonly #socket: ComfyuiSocket;
  readonly #tracker: PromptTracker;
  readonly #queuePollMs: number;
  readonly #historyRetryMs: number;
  #refreshing: Promise<void> | null = null;
  #refreshAgain = false;
  #poll: NodeJS.Timeout | null = null;

  constructor(options: ComfyuiBridgeOptions) {
    super();
    this.clientId = options.clientId ?? randomUUID().replaceAll("-", "");
    this.#http = options.http;
    this.#log = options.log.child({ component: "comfyui-bridge" });
    this.#queuePollMs = options.queuePollMs ?? 10_000;
    this.#historyRetryMs = options.historyRetryMs ?? 500;
    this.#tracker = new PromptTracker((event) => this.emit("event", event), this.#log);
    this.#socket = new ComfyuiSocket(this.#http.baseUrl, this.clientId, this.#log, options.socketBackoff);

    this.#socket.on("open", () => void this.#onOpen());
    this.#socket.on("text", (text) => this.observe(text, "own"));
    this.#socket.on("close", () => this.#stopPolling());
  }

  /** Whether the reporter's own socket to ComfyUI is open. */
  get connected(): boolean {
    return this.#socket.isOpen;
  }

  view(): PromptView {
    const counts = this.#tracker.queueCounts;
    return { queue_running: counts.running, queue_pending: counts.pending, current: this.#tracker.current, last_activity_at: this.#tracker.lastActivityAt };
  }

  start(): void {
    this.#socket.start();
  }

  stop(): void {
    this.#stopPolling();
    this.#socket.stop();
  }

  /** Takes one text frame ComfyUI sent down any socket; `source` names the socket in logs. */
  observe(text: string, source: string): void {
    const parsed = parseFrame(wsFrameSchema, text);
    if (!parsed.ok) {
      this.#log.debug({ source, issues: parsed.issues }, "ComfyUI frame is not a {type, data} object, ignored");
      return;
    }

    const frame = parsed.value;
    if (frame.type === "status") {
      void this.refreshQueue();
      return;
    }
    if (frame.type === "logs") {
      this.#onLogs(frame.data);
      return;
    }

    this.#tracker.onFrame(frame, source);
    if (this.#tracker.needsGraph) {
      void this.refreshQueue();
    }
  }

  /** Ends the running prompt as lost; for when ComfyUI's process is gone and will not finish it. */
  abandonCurrent(reason: string): void {
    this.#tracker.abandonCurrent(reason);
  }

  /** Reads /queue; calls that arrive during a read fold into one more read after it. */
  async refreshQueue(): Promise<void> {
    if (this.#refreshing !== null) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    this.#refreshing = this.#refreshLoop();
    try {
      await this.#refreshing;
    } finally {
      this.#refreshing = null;
    }
  }

  async #refreshLoop(): Promise<void> {
    do {
      this.#refreshAgain = false;
      try {
        this.#tracker.onQueue(await this.#http.queue());
        await Promise.all(this.#tracker.takeLookups().map((promptId) => this.#lookUp(promptId)));
      } catch (error) {
        this.#log.warn({ err: error }, "reading ComfyUI's queue failed");
        return;
      }
    } while (this.#refreshAgain);
  }

  /** Finishes a prompt that left the queue from /history; a missing entry is read twice, the queue between. */
  async #lookUp(promptId: string): Promise<void> {
    const entry = await this.#http.history(promptId);
    if (entry !== null) {
      this.#tracker.onHistory(promptId, entry);
      return;
    }

    await new Promise((resolve) => setTimeout(resolve, this.#historyRetryMs));
    const queue = await this.#http.queue();
    const stillQueued = [...queue.queue_running, ...queue.queue_pending].some((item) => item.promptId === promptId);
    if (stillQueued) {
      this.#tracker.onQueue(queue);
      return;
    }
    this.#log.warn({ promptId }, "prompt left the queue without a history entry");
    this.#tracker.onHistory(promptId, await this.#http.history(promptId));
  }

  async #onOpen(): Promise<void> {
    try {
      await this.#http.subscribeLogs(this.clientId, true);
    } catch (error) {
      this.#log.warn({ err: error }, "subscribing to ComfyUI's log stream failed; prompts queued past the proxy get no step progress");
    }
    await this.refreshQueue();

    this.#stopPolling();
    this.#poll = setInterval(() => void this.refreshQueue(), this.#queuePollMs);
  }

  #onLogs(data: unknown): void {
    const parsed = frameDataSchemas.logs.safeParse(data);
    if (!parsed.success) {
      return;
    }
    for (const entry of parsed.data.entries) {
      const progress = parseTqdm(entry.m);
      if (progress !== null) {
        this.#tracker.onLogProgress(progress);
      }
    }
  }

  #stopPolling(): void {
    if (this.#poll !== null) {
      clearInterval(this.#poll);
      this.#poll = null;
    }
  }
}
