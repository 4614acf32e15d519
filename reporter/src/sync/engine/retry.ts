import { Backoff } from "../../link/backoff.js";
import type { BackoffOptions } from "../../link/backoff.js";

/** Default retry delays: 2 s doubling to a 5 minute cap, with jitter. */
export const SYNC_RETRY_BACKOFF: BackoffOptions = { initialMs: 2_000, maxMs: 5 * 60_000, factor: 2 };

/** The retry timer of one rule and the time of its next attempt. */
export class RetrySchedule {
  readonly #backoff: Backoff;
  #timer: NodeJS.Timeout | undefined;
  #nextAt: number | null = null;

  constructor(options: BackoffOptions) {
    this.#backoff = new Backoff(options);
  }

  /** Failed attempts since the last success. */
  get attempt(): number {
    return this.#backoff.attempt;
  }

  /** When the next attempt runs, in ms since the epoch, or null when none is planned. */
  get nextAt(): number | null {
    return this.#nextAt;
  }

  /** Plans `run` after the next backoff delay; returns the delay in ms. */
  schedule(run: () => void): number {
    this.cancel();
    const delay = this.#backoff.next();
    this.#nextAt = Date.now() + delay;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#nextAt = null;
      run();
    }, delay);
    return delay;
  }

  /** Drops a planned attempt, keeping the attempt count. */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#nextAt = null;
  }

  /** Clears the plan and the count after a success. */
  reset(): void {
    this.cancel();
    this.#backoff.reset();
  }
}
