/** One sampler step from ComfyUI, and how to apply it to the prompt tracker. */
export interface PendingStep {
  /** Steps with the same key replace each other: the prompt id, or the log's bar. */
  key: string;
  value: number;
  max: number;
  apply: () => void;
}

/** How long a waiting step may wait for a newer one, in intervals, before it is applied. */
const WAIT_INTERVALS = 5;

/**
 * Applies sampler steps at most once per interval, so a fast sampler costs the tracker,
 * the edge socket and the Durable Object less. A step that arrives after the interval is
 * applied at once. A sooner one waits until a newer step replaces it or is applied, or, when
 * the sampler stalls, for `WAIT_INTERVALS` intervals. Applying a step leaves that timer
 * armed, because strace showed the process waking at a cleared timer's due time anyway, and
 * on a small VM a wake-up costs more than a step. The last step of a bar is applied at once, and the bridge
 * flushes before it applies anything else, so events keep their order.
 */
export class StepCoalescer {
  readonly #intervalMs: number;
  #lastAppliedAt = Number.NEGATIVE_INFINITY;
  #waiting: PendingStep | null = null;
  /** Arrival time of the first step held since the last one was applied. */
  #waitingSince: number | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(intervalMs: number) {
    this.#intervalMs = intervalMs;
  }

  offer(step: PendingStep): void {
    if (step.value >= step.max || this.#intervalMs <= 0) {
      this.flush();
      this.#apply(step);
      return;
    }
    if (this.#waiting !== null && this.#waiting.key !== step.key) {
      this.flush();
    }

    const now = performance.now();
    if (now - this.#lastAppliedAt >= this.#intervalMs) {
      this.#waiting = null;
      this.#apply(step);
      return;
    }
    this.#waiting = step;
    this.#waitingSince ??= now;
    this.#timer ??= setTimeout(() => this.#onTimer(), this.#intervalMs * WAIT_INTERVALS);
  }

  /** Applies the waiting step now, if there is one. */
  flush(): void {
    const waiting = this.#waiting;
    this.#waiting = null;
    if (waiting !== null) {
      this.#apply(waiting);
    }
  }

  /** Applies the waiting step and cancels the timer, for the bridge's stop. */
  stop(): void {
    this.flush();
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  #onTimer(): void {
    this.#timer = null;
    if (this.#waiting === null || this.#waitingSince === null) {
      return;
    }
    const waitedMs = performance.now() - this.#waitingSince;
    const limitMs = this.#intervalMs * WAIT_INTERVALS;
    if (waitedMs >= limitMs) {
      this.flush();
      return;
    }
    this.#timer = setTimeout(() => this.#onTimer(), limitMs - waitedMs);
  }

  #apply(step: PendingStep): void {
    this.#lastAppliedAt = performance.now();
    this.#waitingSince = null;
    step.apply();
  }
}
