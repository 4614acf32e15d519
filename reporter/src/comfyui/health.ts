import type { ComfyuiState, Service } from "@comfycarry/shared";

/** Restarts within this window that count as a crash loop. */
export const CRASH_LOOP_RESTARTS = 3;
export const CRASH_LOOP_WINDOW_MS = 5 * 60_000;

/** Remembers when PM2's restart counter went up, to tell a crash loop from one restart. */
export class RestartHistory {
  #lastCount: number | null = null;
  #rises: number[] = [];

  /** Records the counter read at `now`; returns whether restarts rose fast enough to be a crash loop. */
  record(restarts: number, now: number): boolean {
    if (this.#lastCount !== null && restarts > this.#lastCount) {
      for (let i = this.#lastCount; i < restarts; i += 1) {
        this.#rises.push(now);
      }
    }
    // A lower counter means the process was deleted and re-added, so its history starts over.
    if (this.#lastCount !== null && restarts < this.#lastCount) {
      this.#rises = [];
    }
    this.#lastCount = restarts;
    this.#rises = this.#rises.filter((at) => now - at <= CRASH_LOOP_WINDOW_MS);
    return this.#rises.length >= CRASH_LOOP_RESTARTS;
  }
}

/** Results of one health check against ComfyUI's HTTP API. */
export interface ComfyuiProbe {
  /** Whether /system_stats returned valid stats. */
  stats: boolean;
  /** Whether another route (/queue) responded. */
  api: boolean;
}

/**
 * Decides ComfyUI's state. It is `online` while any route of its HTTP API responds, because
 * /system_stats can fail on its own, e.g. when the GPU cannot be read, while prompts still run.
 * Otherwise it is `crashed` when PM2 marks it errored or it is in a crash loop, `starting`
 * while PM2 runs it, and `offline` when PM2 has it stopped or has no such process.
 */
export function judgeComfyuiState(probe: ComfyuiProbe, service: Service | null, crashLoop: boolean): ComfyuiState {
  if (probe.stats || probe.api) {
    return "online";
  }
  if (service === null) {
    return "offline";
  }
  if (service.status === "errored" || crashLoop) {
    return "crashed";
  }
  if (service.status === "online" || service.status === "launching" || service.status === "waiting restart") {
    return "starting";
  }
  return "offline";
}
