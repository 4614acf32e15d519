/**
 * @module Login throttling state: failure counts per client address and for the whole
 * deployment, applied with the policy in auth/throttle-policy.ts. A started attempt counts as
 * a failure until it succeeds, so parallel guesses cannot slip past the count.
 */
import { z } from "zod";

import { ADDRESS_LIMITS, BLOCK_MS, DEPLOYMENT_LIMITS, FAILURE_WINDOW_MS, current, delayAfter, waitBeforeAttempt } from "../auth/throttle-policy.js";
import type { FailureCount } from "../auth/throttle-policy.js";

/** Verdict on an attempt: go ahead (and on failure hold the response back `delayMs`), or wait `retryAfterMs`. */
export type AttemptVerdict = { allowed: true; delayMs: number } | { allowed: false; retryAfterMs: number };

const DEPLOYMENT_KEY = "deployment";

const rowSchema = z.object({ failures: z.number(), last_failure_at: z.number() });

function addressKey(address: string): string {
  return `address:${address}`;
}

export class ThrottleStore {
  constructor(private readonly sql: SqlStorage) {}

  private read(key: string, now: number): FailureCount {
    const [row] = this.sql.exec("SELECT failures, last_failure_at FROM throttle WHERE key = ?", key).toArray();
    const parsed = row === undefined ? null : rowSchema.parse(row);
    return current(parsed === null ? null : { failures: parsed.failures, lastFailureAt: parsed.last_failure_at }, now);
  }

  private write(key: string, count: FailureCount): void {
    this.sql.exec("INSERT OR REPLACE INTO throttle (key, failures, last_failure_at) VALUES (?, ?, ?)", key, count.failures, count.lastFailureAt);
  }

  /** Starts an attempt from `address`, counting it as a failure until {@link succeed} takes it back. */
  begin(address: string, now: number): AttemptVerdict {
    const byAddress = this.read(addressKey(address), now);
    const overall = this.read(DEPLOYMENT_KEY, now);
    const wait = Math.max(waitBeforeAttempt(byAddress, ADDRESS_LIMITS, now), waitBeforeAttempt(overall, DEPLOYMENT_LIMITS, now));
    if (wait > 0) {
      return { allowed: false, retryAfterMs: wait };
    }

    const nextAddress = { failures: byAddress.failures + 1, lastFailureAt: now };
    const nextOverall = { failures: overall.failures + 1, lastFailureAt: now };
    this.write(addressKey(address), nextAddress);
    this.write(DEPLOYMENT_KEY, nextOverall);
    this.sql.exec("DELETE FROM throttle WHERE last_failure_at < ?", now - FAILURE_WINDOW_MS - BLOCK_MS);
    return { allowed: true, delayMs: Math.max(delayAfter(nextAddress.failures, ADDRESS_LIMITS), delayAfter(nextOverall.failures, DEPLOYMENT_LIMITS)) };
  }

  /** Takes back the failure counted by {@link begin}: the address starts afresh. */
  succeed(address: string, now: number): void {
    this.sql.exec("DELETE FROM throttle WHERE key = ?", addressKey(address));
    const overall = this.read(DEPLOYMENT_KEY, now);
    if (overall.failures > 0) {
      this.write(DEPLOYMENT_KEY, { failures: overall.failures - 1, lastFailureAt: overall.lastFailureAt });
    }
  }
}
