/** Exponential backoff with jitter, shared by the edge link and the ComfyUI socket. */

export interface BackoffOptions {
  /** First delay before jitter, in ms. */
  initialMs: number;
  /** Cap on the delay before jitter, in ms. */
  maxMs: number;
  factor: number;
  /** Returns a number in [0, 1); tests pass a fixed one. */
  random?: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1_000, maxMs: 60_000, factor: 2 };

/**
 * Produces growing reconnect delays. Each delay is half the exponential base plus a random
 * share of the other half ("equal jitter"), so many reporters that lost the edge at once
 * do not come back in lockstep, yet no delay falls below half the base.
 */
export class Backoff {
  #attempt = 0;
  readonly #options: BackoffOptions;

  constructor(options: BackoffOptions = DEFAULT_BACKOFF) {
    this.#options = options;
  }

  /** Number of delays handed out since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** Returns the next delay in ms and counts the attempt. */
  next(): number {
    const { initialMs, maxMs, factor } = this.#options;
    const random = this.#options.random ?? Math.random;
    const base = Math.min(maxMs, initialMs * factor ** this.#attempt);
    this.#attempt += 1;
    return Math.round(base / 2 + random() * (base / 2));
  }

  reset(): void {
    this.#attempt = 0;
  }
}
