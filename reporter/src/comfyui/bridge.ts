import { EventEmitter } from "node:events";

import { parseFrame } from "@comfycarry/shared";
import type { CurrentPrompt, ProtocolEvent } from "@comfycarry/shared";

import type { BackoffOptions } from "../link/backoff.js";
import type { Logger } from "../log/logger.js";
import { FrameGate } from "./frame-gate.js";
import { peekFrameType } from "./frame-type.js";
import type { ComfyuiHttp } from "./http.js";
import { LogSubscription } from "./log-subscription.js";
import { ComfyuiSocket } from "./own-socket.js";
import { isRecord } from "./plain-checks.js";
import { PromptGraphs } from "./prompt-graphs.js";
import { readProgressFrame } from "./progress-frame.js";
import { PromptTracker } from "./prompt-tracker.js";
import { QUEUED_PROMPT_SOURCE, parseQueuedPrompt } from "./queued-prompt.js";
import { frameDataSchemas, graphOfHistory, wsFrameSchema } from "./schemas.js";
import type { HistoryEntry, Queue, WsFrame } from "./schemas.js";
import { StepCoalescer } from "./step-coalescer.js";
import { parseTqdm } from "./tqdm.js";

export interface ComfyuiBridgeOptions {
  http: ComfyuiHttp;
  log: Logger;
  /** Re-reads /queue this often while connected, in case a `status` frame was missed. */
  queuePollMs?: number;
  /** Delay before a second /history read of a prompt that was not found, in ms. */
  historyRetryMs?: number;
  /** Maximum wait for the graph of a prompt whose frames arrive before the graph is known, in ms. */
  graphWaitMs?: number;
  socketBackoff?: BackoffOptions;
  /** Shortest gap between two sampler steps the tracker applies, in ms; 0 applies every step. */
  progressIntervalMs?: number;
}

/** Ten progress events a second at most: the bar still moves smoothly, at half the cost of a fast sampler's every step. */
const PROGRESS_INTERVAL_MS = 100;

export interface ComfyuiBridgeEvents {
  event: [event: ProtocolEvent];
  /** Every /queue read, so the prompt journal records the queue without reading it again. */
  queue: [queue: Queue];
}

/** The prompt part of the overview's `comfyui` section. */
export interface PromptView {
  queue_running: number;
  queue_pending: number;
  current: CurrentPrompt | null;
  last_activity_at: string | null;
}

/** The /ws frame types the tracker turns into prompt events. */
const PROMPT_FRAMES = new Set(["execution_start", "execution_cached", "executing", "progress", "executed", "execution_success", "execution_error", "execution_interrupted"]);

/**
 * Follows ComfyUI's prompts for the dashboard. Frames come from the reporter's own socket
 * and, through `observe`, from every socket the proxy relays. Prompts queued by clients
 * that bypass both are found through /queue and finished through /history. Their step
 * progress comes from the tqdm bars in ComfyUI's log stream, and for prompts queued without
 * a client id, from the broadcast `progress` frames, with their nodes from `progress_state`.
 *
 * Every prompt event carries the node count and node classes, so a prompt's frames wait in
 * a `FrameGate` until its graph is known. The graph comes from the `POST /prompt` the proxy
 * saw, or else from /queue (or /history for a prompt that already finished).
 */
export class ComfyuiBridge extends EventEmitter<ComfyuiBridgeEvents> {
  readonly #http: ComfyuiHttp;
  readonly #log: Logger;
  readonly #socket: ComfyuiSocket;
  readonly #tracker: PromptTracker;
  readonly #steps: StepCoalescer;
  readonly #logs: LogSubscription;
  readonly #graphs = new PromptGraphs();
  readonly #gate: FrameGate;
  readonly #queuePollMs: number;
  readonly #historyRetryMs: number;
  /** The newest `progress_state` frame not applied yet, as text, because most are replaced before they are read. */
  #nodeStates: { text: string; source: string } | null = null;
  #refreshing: Promise<void> | null = null;
  #refreshAgain = false;
  #poll: NodeJS.Timeout | null = null;

  constructor(options: ComfyuiBridgeOptions) {
    super();
    this.#http = options.http;
    this.#log = options.log.child({ component: "comfyui-bridge" });
    this.#queuePollMs = options.queuePollMs ?? 10_000;
    this.#historyRetryMs = options.historyRetryMs ?? 500;
    this.#steps = new StepCoalescer(options.progressIntervalMs ?? PROGRESS_INTERVAL_MS);
    this.#logs = new LogSubscription(this.#http, this.#log);
    this.#tracker = new PromptTracker((event) => this.emit("event", event), this.#log, this.#graphs);
    this.#gate = new FrameGate({
      isReady: (promptId) => this.#tracker.tracks(promptId) || this.#graphs.has(promptId),
      apply: (frame, source) => this.#apply(frame, source),
      requestGraph: (promptId) => void this.#lookUpGraph(promptId),
      waitMs: options.graphWaitMs ?? 1_000,
      log: this.#log,
    });
    this.#socket = new ComfyuiSocket(this.#http.baseUrl, this.#log, options.socketBackoff);

    this.#socket.on("open", (clientId) => void this.#onOpen(clientId));
    this.#socket.on("text", (text) => this.observe(text, "own"));
    this.#socket.on("close", () => {
      this.#logs.close();
      this.#stopPolling();
    });
  }

  /**
   * Client id of the reporter's own socket. It changes on every (re)connect: ComfyUI drops a
   * client id when its old socket closes, even after a new socket took the id over, which
   * would leave a reconnected socket with the same id receiving nothing.
   */
  get clientId(): string {
    return this.#socket.clientId;
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
    this.#steps.stop();
    this.#gate.stop();
    this.#socket.stop();
  }

  /** Takes one text frame ComfyUI sent down any socket; `source` names the socket in logs. */
  observe(text: string, source: string): void {
    // Most frames per step are ones the bridge drops (progress_state, and tqdm logs once
    // progress frames flow); deciding that from the type skips parsing them.
    const type = source === QUEUED_PROMPT_SOURCE ? null : peekFrameType(text);
    if (type !== null && !this.#wants(type)) {
      return;
    }
    if (type === "progress") {
      this.#onProgressFrame(text, source);
      return;
    }
    if (type === "progress_state") {
      this.#nodeStates = { text, source };
      return;
    }

    const parsed = parseFrame(wsFrameSchema, text);
    if (!parsed.ok) {
      this.#log.debug({ source, issues: parsed.issues }, "ComfyUI frame is not a {type, data} object, ignored");
      return;
    }

    const frame = parsed.value;
    // A logs frame carries tqdm steps, which go through the coalescer like progress frames.
    if (frame.type !== "logs") {
      this.#settle();
    }
    if (source === QUEUED_PROMPT_SOURCE) {
      this.#onQueuedPrompt(frame.data);
      return;
    }
    if (frame.type === "status") {
      void this.refreshQueue();
      return;
    }
    if (frame.type === "logs") {
      this.#onLogs(frame.data);
      return;
    }

    if (PROMPT_FRAMES.has(frame.type)) {
      this.#gate.offer(frame, source);
    }
  }

  /** Hands a step to the coalescer, so most steps of a fast sampler cost only this parse. */
  #onProgressFrame(text: string, source: string): void {
    const frame = readProgressFrame(text);
    if (frame === null) {
      this.#log.debug({ source }, "ComfyUI progress frame without the expected fields, ignored");
      return;
    }
    const apply = (): void => {
      this.#applyNodeStates();
      this.#gate.offer(frame, source);
    };
    this.#steps.offer({ key: frame.data.prompt_id ?? "", value: frame.data.value, max: frame.data.max, apply });
  }

  /**
   * Applies the pending `progress_state` frame, if the tracker still follows node states.
   * NOTE: it runs only before a step or another frame, so a node after the sampler's last
   * step, such as VAE decode, shows only when the prompt ends.
   */
  #applyNodeStates(): void {
    const pending = this.#nodeStates;
    this.#nodeStates = null;
    if (pending === null || !this.#tracker.wantsNodeStates) {
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(pending.text);
    } catch {
      this.#log.debug({ source: pending.source }, "invalid JSON in a ComfyUI progress_state frame, ignored");
      return;
    }
    if (isRecord(json)) {
      this.#gate.offer({ type: "progress_state", data: json.data }, pending.source);
    }
  }

  /**
   * Applies the pending node states and then the waiting step, so the step shows under its
   * node and a frame of another kind applies after both.
   */
  #settle(): void {
    this.#applyNodeStates();
    this.#steps.flush();
  }

  #wants(type: string): boolean {
    return (
      type === "status" ||
      PROMPT_FRAMES.has(type) ||
      (type === "logs" && this.#tracker.wantsLogProgress) ||
      (type === "progress_state" && this.#tracker.wantsNodeStates)
    );
  }

  /**
   * Ends the running prompt as lost and sets the queue counts to zero. Call it when ComfyUI's
   * process is gone, because the prompt will never finish and the in-memory queue went with it.
   */
  abandonQueue(reason: string): void {
    this.#nodeStates = null;
    this.#steps.flush();
    this.#tracker.abandonCurrent(reason);
    this.#tracker.clearQueue();
    this.#followTracker();
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
        const queue = await this.#http.queue();
        this.#settle();
        this.#graphs.storeQueue(queue);
        this.#gate.release();
        this.#tracker.onQueue(queue);
        this.#followTracker();
        this.emit("queue", queue);
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
      this.#onHistory(promptId, entry);
      return;
    }

    await new Promise((resolve) => setTimeout(resolve, this.#historyRetryMs));
    const queue = await this.#http.queue();
    const stillQueued = [...queue.queue_running, ...queue.queue_pending].some((item) => item.promptId === promptId);
    if (stillQueued) {
      this.#settle();
      this.#tracker.onQueue(queue);
      this.#followTracker();
      this.emit("queue", queue);
      return;
    }
    this.emit("queue", queue);
    this.#log.warn({ promptId }, "prompt left the queue without a history entry");
    this.#onHistory(promptId, await this.#http.history(promptId));
  }

  #onHistory(promptId: string, entry: HistoryEntry | null): void {
    this.#settle();
    this.#tracker.onHistory(promptId, entry);
    this.#followTracker();
  }

  #apply(frame: WsFrame, source: string): void {
    this.#tracker.onFrame(frame, source);
    this.#followTracker();
    if (this.#tracker.needsGraph) {
      void this.refreshQueue();
    }
  }

  /** Subscribes to ComfyUI's log stream exactly while the tracker would use its tqdm bars. */
  #followTracker(): void {
    this.#logs.want(this.#tracker.wantsLogProgress);
  }

  #onQueuedPrompt(data: unknown): void {
    const queued = parseQueuedPrompt(data);
    if (queued === null) {
      this.#log.warn("queued-prompt report from the proxy without prompt id or graph, ignored");
      return;
    }
    this.#log.debug({ promptId: queued.promptId, nodes: Object.keys(queued.graph).length }, "graph of a prompt queued through the proxy");
    this.#graphs.store(queued.promptId, queued.graph);
    this.#graphLearned(queued.promptId);
  }

  /** Reads /queue for a prompt the gate holds, and /history when the prompt has already left the queue. */
  async #lookUpGraph(promptId: string): Promise<void> {
    await this.refreshQueue();
    if (this.#graphs.has(promptId) || this.#tracker.tracks(promptId)) {
      return;
    }
    try {
      const entry = await this.#http.history(promptId);
      const graph = entry === null ? null : graphOfHistory(entry);
      if (graph !== null) {
        this.#graphs.store(promptId, graph);
        this.#graphLearned(promptId);
      }
    } catch (error) {
      this.#log.debug({ err: error, promptId }, "reading the graph of a prompt from /history failed");
    }
  }

  #graphLearned(promptId: string): void {
    this.#tracker.adoptGraph(promptId);
    this.#gate.release();
  }

  async #onOpen(clientId: string): Promise<void> {
    this.#logs.open(clientId);
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
      // A bar at 0 only marks a sampler's start, and the node in view may still be the one before it.
      if (progress !== null && progress.value > 0) {
        this.#steps.offer({ key: "log", ...progress, apply: () => this.#tracker.onLogProgress(progress) });
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
