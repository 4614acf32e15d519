import type { Logger } from "../../log/logger.js";
import { OFFLINE_FAILURES, RETRYABLE_FAILURES } from "../rclone/classify.js";
import type { SyncFailure } from "../rclone/classify.js";
import type { RuleRuntime } from "./rule-runtime.js";

/**
 * The retry policy after a failed job. Retryable failures are retried with
 * backoff. When the remote is unreachable the rule is marked "remote offline" and each
 * later attempt first probes the remote with a short listing, so an offline remote costs
 * one cheap probe per backoff step instead of a full rclone run.
 */

export interface RetryDeps {
  /** Lists the remote's root with a short time limit and returns null when the listing worked. */
  probe: (remote: string) => Promise<SyncFailure | null>;
  /** Requests the retry run. */
  rerun: () => void;
  /** Whether the runtime is still the engine's (not stopped, edited or deleted). */
  isCurrent: () => boolean;
  emitStatus: () => void;
  log: Logger;
}

const CONFIRMATION_FAILURES = new Set(["delete_limit", "bisync_needs_resync", "bisync_safety_abort"]);

/** Sets the rule's status after `failure` and plans a retry when one can help. */
export async function handleFailure(runtime: RuleRuntime, failure: SyncFailure, deps: RetryDeps): Promise<void> {
  runtime.lastError = failure;
  if (failure.code === "canceled") {
    runtime.status = runtime.rule.enabled ? "idle" : "disabled";
    return;
  }
  if (!RETRYABLE_FAILURES.has(failure.code) || !deps.isCurrent()) {
    runtime.status = CONFIRMATION_FAILURES.has(failure.code) ? "needs_confirmation" : "failed";
    deps.log.error({ code: failure.code, error: failure.message }, "sync job failed");
    return;
  }

  let offline = OFFLINE_FAILURES.has(failure.code);
  if (!offline) {
    // A stall or a generic failure may be the remote going away mid-transfer.
    const probe = await deps.probe(runtime.rule.remote);
    offline = probe !== null && OFFLINE_FAILURES.has(probe.code);
  }
  scheduleRetry(runtime, offline, deps);
  deps.log.warn({ code: failure.code, offline, attempt: runtime.retry.attempt, nextAttemptAt: runtime.retry.nextAt, error: failure.message }, "sync job failed; retrying");
}

function scheduleRetry(runtime: RuleRuntime, offline: boolean, deps: RetryDeps): void {
  runtime.status = offline ? "remote_offline" : "retry_wait";
  runtime.retry.schedule(() => {
    void attemptRetry(runtime, deps);
  });
}

async function attemptRetry(runtime: RuleRuntime, deps: RetryDeps): Promise<void> {
  if (!deps.isCurrent()) {
    return;
  }
  if (runtime.status === "remote_offline") {
    const probe = await deps.probe(runtime.rule.remote);
    if (probe !== null && OFFLINE_FAILURES.has(probe.code)) {
      if (!deps.isCurrent() || runtime.busy) {
        return;
      }
      runtime.lastError = probe;
      scheduleRetry(runtime, true, deps);
      deps.log.info({ attempt: runtime.retry.attempt, nextAttemptAt: runtime.retry.nextAt }, "remote still offline");
      deps.emitStatus();
      return;
    }
  }
  deps.rerun();
}
