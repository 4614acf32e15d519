import type { Logger } from "../log/logger.js";
import type { WsFrame } from "./schemas.js";

/** Frames held at most while a graph is awaited; past this the wait ends early. */
const HELD_LIMIT = 2_000;

/** Prompts whose wait timed out, remembered so their later frames pass at once. */
const GIVEN_UP_LIMIT = 64;

/** Returns the frame's prompt id. A plain check, because this runs for every frame and the tracker parses the data later. */
function promptIdOf(data: unknown): string | null {
  if (typeof data !== "object" || data === null || !("prompt_id" in data)) {
    return null;
  }
  return typeof data.prompt_id === "string" ? data.prompt_id : null;
}

export interface FrameGateOptions {
  /** Whether frames of this prompt may be applied: its graph is known or it is already tracked. */
  isReady: (promptId: string) => boolean;
  apply: (frame: WsFrame, source: string) => void;
  /** Starts a look-up of the prompt's graph; the caller calls `release` when it may have arrived. */
  requestGraph: (promptId: string) => void;
  /** Maximum wait for one prompt's graph, in ms. */
  waitMs: number;
  log: Logger;
}

/**
 * Holds per-prompt frames of a prompt whose graph is not known yet, so that no event of it
 * goes out with `node_count: 0` and `node_class: null`. Frames leave in arrival order: while
 * one is held, every later frame waits behind it. After `waitMs` the frames go out without
 * the graph.
 */
export class FrameGate {
  readonly #options: FrameGateOptions;
  readonly #held: { frame: WsFrame; source: string }[] = [];
  readonly #givenUp = new Set<string>();
  #waitingFor: string | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: FrameGateOptions) {
    this.#options = options;
  }

  /** Number of frames waiting for a graph. */
  get held(): number {
    return this.#held.length;
  }

  offer(frame: WsFrame, source: string): void {
    this.#held.push({ frame, source });
    if (this.#held.length > HELD_LIMIT && this.#waitingFor !== null) {
      this.#giveUp(this.#waitingFor, "too many frames held");
      return;
    }
    this.release();
  }

  /** Applies held frames up to the first one whose prompt still has no graph. */
  release(): void {
    while (this.#held.length > 0) {
      const head = this.#held[0];
      if (head === undefined) {
        break;
      }
      const promptId = promptIdOf(head.frame.data);
      if (promptId !== null && !this.#givenUp.has(promptId) && !this.#options.isReady(promptId)) {
        this.#wait(promptId);
        return;
      }
      this.#held.shift();
      this.#options.apply(head.frame, head.source);
    }
    this.#clearTimer();
  }

  /** Drops held frames and stops the timer; for the bridge's stop. */
  stop(): void {
    this.#held.length = 0;
    this.#clearTimer();
  }

  #wait(promptId: string): void {
    if (this.#waitingFor === promptId) {
      return;
    }
    this.#clearTimer();
    this.#waitingFor = promptId;
    this.#timer = setTimeout(() => this.#giveUp(promptId, "timed out"), this.#options.waitMs);
    this.#options.log.debug({ promptId, held: this.#held.length }, "holding frames of a prompt until its graph is known");
    this.#options.requestGraph(promptId);
  }

  #giveUp(promptId: string, reason: string): void {
    this.#options.log.warn({ promptId, reason, waitMs: this.#options.waitMs, held: this.#held.length }, "graph of a prompt not known; reporting it without node classes");
    this.#givenUp.add(promptId);
    for (const id of this.#givenUp) {
      if (this.#givenUp.size <= GIVEN_UP_LIMIT) {
        break;
      }
      this.#givenUp.delete(id);
    }
    this.#clearTimer();
    this.release();
  }

  #clearTimer(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#waitingFor = null;
  }
}
