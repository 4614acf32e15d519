/**
 * @module Runs a password or setup-code check under the login throttle: rejected with 429
 * `rate_limited` while the caller must wait, and on failure the response is held back by the
 * throttle's delay, so a guesser slows down as failures pile up.
 */
import { ComfyCarryError } from "@comfycarry/shared";

import { fleetStub } from "../env.js";
import type { Env } from "../env.js";
import { log } from "../log.js";
import { clientAddressKey } from "./client-address.js";

/** Thrown for a throttled attempt; the error handler adds the `Retry-After` header from `params.retry_after_s`. */
function rateLimited(retryAfterMs: number): ComfyCarryError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ComfyCarryError("rate_limited", `too many failed attempts; try again in ${seconds} s`, { retry_after_s: seconds });
}

/**
 * Calls `check` unless the caller is throttled. Returns true when it succeeded; on failure
 * waits out the delay and returns false.
 */
export async function throttledCheck(env: Env, headers: Headers, what: string, check: () => Promise<boolean>): Promise<boolean> {
  const address = clientAddressKey(headers);
  const fleet = fleetStub(env);
  const verdict = await fleet.beginLoginAttempt(address, Date.now());
  if (!verdict.allowed) {
    log.warn({ address, what, retryAfterMs: verdict.retryAfterMs }, "throttled an attempt");
    throw rateLimited(verdict.retryAfterMs);
  }

  if (await check()) {
    await fleet.loginSucceeded(address, Date.now());
    return true;
  }

  log.warn({ address, what, delayMs: verdict.delayMs }, "failed attempt");
  if (verdict.delayMs > 0) {
    await new Promise((resolve) => setTimeout(resolve, verdict.delayMs));
  }
  return false;
}
