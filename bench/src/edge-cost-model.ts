/**
 * Turns one simulated hour of Durable Object traffic into a monthly cost per instance, with
 * the Workers Paid prices dated 2026-12-04 (Cloudflare's Workers and Durable Objects pricing
 * pages as of that date). The figure is the marginal cost of one instance, before the plan's
 * included allowances and the $5 subscription, so two cadences compare directly.
 */

/** Prices in US dollars, dated 2026-12-04. */
export const PRICES = {
  date: "2026-12-04",
  /** Per million Durable Object requests; 20 incoming WebSocket messages bill as one request. */
  requestsPerMillion: 0.15,
  /** Per million GB-s of duration, billed at 128 MB per object. */
  gbSecondsPerMillion: 12.5,
  /** Per million SQLite rows written (KV puts on SQLite objects and setAlarm count as rows). */
  rowsWrittenPerMillion: 1.0,
} as const;

const HOURS_PER_MONTH = 720;
const OBJECT_GB = 0.128;
const MESSAGES_PER_REQUEST = 20;

/** Traffic of one simulated hour through the object. */
export interface HourTraffic {
  /** WebSocket messages that ran `webSocketMessage` (everything but auto-answered pings). */
  handledMessages: number;
  /** Pings the runtime answered without running the object. */
  autoAnsweredPings: number;
  /** Bytes of the handled messages. */
  bytesIn: number;
  /** Alarm invocations. */
  alarms: number;
  /** Handler invocations that may each wake a hibernated object: handled messages plus alarms. */
  wakeUps: number;
  /** Mean handler time per invocation, in ms. */
  handlerMs: number;
  /** SQLite rows written. */
  rowsWritten: number;
}

export interface MonthlyCost {
  requests: number;
  gbSeconds: number;
  rowsWritten: number;
  dollars: number;
}

/**
 * Applies the formula. Auto-answered pings are counted as requests too, because Cloudflare
 * does not state whether they bill; that is the cautious reading.
 *   requests = 720 × ((handled + pings) / 20 + alarms)
 *   GB-s     = 720 × wakeUps × handlerMs / 1000 × 0.128
 *   $        = 0.15 × requests/1e6 + 12.50 × GB-s/1e6 + 1.00 × rows/1e6
 */
export function monthlyCost(hour: HourTraffic): MonthlyCost {
  const requests = HOURS_PER_MONTH * ((hour.handledMessages + hour.autoAnsweredPings) / MESSAGES_PER_REQUEST + hour.alarms);
  const gbSeconds = HOURS_PER_MONTH * hour.wakeUps * (hour.handlerMs / 1000) * OBJECT_GB;
  const rowsWritten = HOURS_PER_MONTH * hour.rowsWritten;
  const dollars =
    (PRICES.requestsPerMillion * requests) / 1e6 + (PRICES.gbSecondsPerMillion * gbSeconds) / 1e6 + (PRICES.rowsWrittenPerMillion * rowsWritten) / 1e6;
  return { requests, gbSeconds, rowsWritten, dollars };
}

/** The formula as printed in the benchmark row. */
export const FORMULA =
  "$/month = 0.15×req/1e6 + 12.50×GB-s/1e6 + 1.00×rows/1e6; req = 720×((msgs+pings)/20 + alarms); GB-s = 720×wake-ups×h×0.128; prices of " +
  PRICES.date;
