/**
 * When the supervisor starts cloudflared again after it exited. Rate-limited quick tunnels wait
 * 10 s, 20 s, 40 s … up to 10 min (vast-ai's wrapper waits 10/20/30 s; Cloudflare documents
 * no figure). Other exits wait 2 s, 4 s … up to 1 min, so a crashing binary never loops fast.
 */
export type RetryReason = "rate_limited" | "exited";

const SCHEDULES: Record<RetryReason, { firstMs: number; maxMs: number }> = {
  rate_limited: { firstMs: 10_000, maxMs: 600_000 },
  exited: { firstMs: 2_000, maxMs: 60_000 },
};

/** Returns the wait before attempt `failures + 1`, where `failures` ≥ 1 counts exits in a row. */
export function retryDelayMs(reason: RetryReason, failures: number): number {
  const { firstMs, maxMs } = SCHEDULES[reason];
  return Math.min(maxMs, firstMs * 2 ** Math.max(0, failures - 1));
}
