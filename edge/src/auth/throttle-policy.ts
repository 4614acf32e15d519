/**
 * @module How many wrong passwords (or setup codes) are allowed and how long each further try
 * must wait. Counted per client address and for the whole deployment, inside the fleet
 * Durable Object so concurrent attempts see one count. Pure functions; the store applies them.
 */

/** Failures counted on one key until this long has passed without a new one. */
export const FAILURE_WINDOW_MS = 15 * 60 * 1000;

/** Per address: failures handled without delay before delays start. */
export const ADDRESS_FREE_FAILURES = 5;
/** Per address: each failure past the free ones waits this much longer than the one before. */
export const ADDRESS_DELAY_STEP_MS = 100;
export const ADDRESS_MAX_DELAY_MS = 1_000;
/** Per address: after this many failures the address is blocked for {@link BLOCK_MS}. */
export const ADDRESS_MAX_FAILURES = 20;
export const BLOCK_MS = 15 * 60 * 1000;

/**
 * For the whole deployment: many addresses guessing together (a botnet) are slowed once this
 * many failures pile up, without ever blocking outright, so the owner can still get in.
 */
export const DEPLOYMENT_FREE_FAILURES = 50;
export const DEPLOYMENT_DELAY_STEP_MS = 100;
export const DEPLOYMENT_MAX_DELAY_MS = 5_000;

/** The failure record of one key. */
export type FailureCount = { failures: number; lastFailureAt: number };

export type ThrottleLimits = { freeFailures: number; stepMs: number; maxDelayMs: number; maxFailures: number | null };

export const ADDRESS_LIMITS: ThrottleLimits = {
  freeFailures: ADDRESS_FREE_FAILURES,
  stepMs: ADDRESS_DELAY_STEP_MS,
  maxDelayMs: ADDRESS_MAX_DELAY_MS,
  maxFailures: ADDRESS_MAX_FAILURES,
};

export const DEPLOYMENT_LIMITS: ThrottleLimits = {
  freeFailures: DEPLOYMENT_FREE_FAILURES,
  stepMs: DEPLOYMENT_DELAY_STEP_MS,
  maxDelayMs: DEPLOYMENT_MAX_DELAY_MS,
  maxFailures: null,
};

/** Returns the count still in force at `now`; an old one has expired. */
export function current(count: FailureCount | null, now: number): FailureCount {
  if (count === null || now - count.lastFailureAt > FAILURE_WINDOW_MS) {
    return { failures: 0, lastFailureAt: 0 };
  }
  return count;
}

/** Returns the delay that follows the `failures`-th failure. */
export function delayAfter(failures: number, limits: ThrottleLimits): number {
  const over = failures - limits.freeFailures;
  return over <= 0 ? 0 : Math.min(over * limits.stepMs, limits.maxDelayMs);
}

/**
 * Returns how long the caller must wait before another attempt is allowed, or 0. An address
 * at its failure limit waits out the block; below it, an attempt must not come sooner than
 * the delay after the last failure (a sequential client never meets this, because the
 * failed response itself was held back that long, but parallel guesses do).
 */
export function waitBeforeAttempt(count: FailureCount, limits: ThrottleLimits, now: number): number {
  if (count.failures === 0) {
    return 0;
  }
  if (limits.maxFailures !== null && count.failures >= limits.maxFailures) {
    return Math.max(0, count.lastFailureAt + BLOCK_MS - now);
  }
  return Math.max(0, count.lastFailureAt + delayAfter(count.failures, limits) - now);
}
