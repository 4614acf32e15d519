/** Waiting for ComfyUI to answer after a start, with a time limit and an early stop on a crash loop. */
import { setTimeout as sleep } from "node:timers/promises";

import { plainFetch } from "../../http/plain-fetch.js";

/**
 * Returns whether ComfyUI returns 200 for GET /system_stats, or else for GET /queue, each within 3 s.
 * /system_stats fails alone when NVML cannot read the GPU while prompts still run, so the monitor also counts /queue.
 */
export async function answers(baseUrl: string): Promise<boolean> {
  return (await respondsOk(`${baseUrl}/system_stats`)) || (await respondsOk(`${baseUrl}/queue`));
}

async function respondsOk(url: string): Promise<boolean> {
  try {
    const response = await plainFetch(url, { signal: AbortSignal.timeout(3_000) });
    await response.text();
    return response.ok;
  } catch {
    return false;
  }
}

export type WaitOutcome = { online: true } | { online: false; reason: string };

/**
 * Polls until ComfyUI answers. `check` runs between polls and may end the wait early with a
 * reason, such as PM2 having restarted the process several times (a crash loop).
 */
export async function waitOnline(baseUrl: string, timeoutMs: number, check: () => Promise<string | null>, signal?: AbortSignal): Promise<WaitOutcome> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await answers(baseUrl)) {
      return { online: true };
    }
    const stop = await check();
    if (stop !== null) {
      return { online: false, reason: stop };
    }
    if (signal?.aborted === true) {
      return { online: false, reason: "the command's deadline passed" };
    }
    await sleep(250);
  }
  return { online: false, reason: `ComfyUI did not answer within ${Math.round(timeoutMs / 1000)} s` };
}
