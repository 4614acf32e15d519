import type { ProtocolEvent } from "@comfycarry/shared";

/**
 * Event kinds that only animate an open dashboard: step progress, node changes, queue
 * counts, transfer progress and ordinary log lines. Nobody sees them while no browser
 * watches, and the next snapshot carries their settled state, so they are not sent then.
 * Kinds not listed here (state changes, finished prompts, failures) always go out, because
 * the edge judges alerts and notifications from them.
 */
const LIVE_ONLY_KINDS: ReadonlySet<string> = new Set([
  "comfyui.progress",
  "comfyui.executing",
  "comfyui.executed",
  "comfyui.execution_start",
  "comfyui.queue",
  "sync.job.progress",
]);

/** Returns whether `event` matters only to a dashboard that is watching right now. */
export function isLiveOnly(event: ProtocolEvent): boolean {
  if (LIVE_ONLY_KINDS.has(event.kind)) {
    return true;
  }
  if (event.kind === "log") {
    return event.level !== "error";
  }
  if (event.kind === "download.job") {
    return event.job.status === "active" || event.job.status === "verifying";
  }
  return false;
}
