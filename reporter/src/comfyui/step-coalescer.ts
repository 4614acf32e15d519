/** One sampler step from ComfyUI, and how to apply it to the prompt tracker. */
export interface PendingStep {
  /** Steps with the same key replace each other: the prompt id, or the log's bar. */
  key: string;
  value: number;
  max: number;
  apply: () => void;
}

/**
 * Applies sampler steps at most once per interval, which cuts the tracker's, the edge
 * socket's and the Durable Object's work for a fast sampler. A step that arrives after the
 * interval is applied at once. A sooner one waits, and a newer step replaces it. The waiting
 * step is applied one interval later only if no newer step came, so a steady stream arms no
 * timer that fires: on a small VM each wake-up costs more than the step itself. The last
 * step of a bar is applied at once, and the bridge flushes before anything else.
 */
export class StepCoalescer {
  readonly #intervalMs: number;
  #lastAppliedAt = Number.NEGATIVE_INFINITY;
  #waiting: PendingStep | null = null;
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

    if (performance.now() - this.#lastAppliedAt >= this.#intervalMs) {
      this.#dropWaiting();
      this.#apply(step);
      return;
    }
    this.#waiting = step;
    this.#timer ??= setTimeout(() => this.flush(), this.#intervalMs);
  }

  /** Applies the waiting step now, if there is one. */
  flush(): void {
    const waiting = this.#waiting;
    this.#dropWaiting();
    if (waiting !== null) {
      this.#apply(waiting);
    }
  }

  #dropWaiting(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#waiting = null;
  }

  #apply(step: PendingStep): void {
    this.#lastAppliedAt = performance.now();
    step.apply();
  }
}
