import type { ProtocolEvent } from "@comfycarry/shared";

type ProgressEvent = Extract<ProtocolEvent, { kind: "comfyui.progress" }>;

/**
 * Sends step progress at most once per interval: a step that arrives sooner waits, and a
 * newer step replaces it, so a fast sampler (20 steps a second) costs half the events while
 * the bar still moves several times a second. The last step of a node and every other
 * event go out at once, and a waiting step is sent before them, so the order holds.
 */
export class ProgressCoalescer {
  readonly #emit: (event: ProtocolEvent) => void;
  readonly #intervalMs: number;
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #waiting: ProgressEvent | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(emit: (event: ProtocolEvent) => void, intervalMs: number) {
    this.#emit = emit;
    this.#intervalMs = intervalMs;
  }

  offer(event: ProtocolEvent): void {
    if (event.kind !== "comfyui.progress" || event.value >= event.max || this.#intervalMs <= 0) {
      this.flush();
      this.#send(event);
      return;
    }

    const now = performance.now();
    if (this.#waiting === null && now - this.#lastSentAt >= this.#intervalMs) {
      this.#send(event);
      return;
    }
    if (this.#waiting !== null && this.#waiting.prompt_id !== event.prompt_id) {
      this.flush();
    }
    this.#waiting = event;
    this.#timer ??= setTimeout(() => this.flush(), Math.max(0, this.#lastSentAt + this.#intervalMs - now));
  }

  /** Sends the waiting step now, if there is one. */
  flush(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const waiting = this.#waiting;
    this.#waiting = null;
    if (waiting !== null) {
      this.#send(waiting);
    }
  }

  #send(event: ProtocolEvent): void {
    if (event.kind === "comfyui.progress") {
      this.#lastSentAt = performance.now();
    }
    this.#emit(event);
  }
}
