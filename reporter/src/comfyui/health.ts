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

/**
 * Decides ComfyUI's state. It is `online` while its HTTP API responds. Otherwise it is
 * `crashed` when PM2 marks it errored or it is in a crash loop, `starting` while PM2 runs
 * it, and `offline` when PM2 has it stopped or has no such process.
 */
export function judgeComfyuiState(httpOk: boolean, service: Service | null, crashLoop: boolean): ComfyuiState {
  if (httpOk) {
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
