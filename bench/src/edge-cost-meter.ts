/**
 * Reads the usage counters of one instance object from an edge started with COMFYCARRY_METER=1
 * (edge/src/instance/cost-meter.ts). Each benchmark mode uses a fresh object, so one reading
 * at the end of the hour is that hour's traffic.
 */
import { z } from "zod";

import type { EdgeClient } from "@comfycarry/stack";

const count = z.number().int().nonnegative();

export const meterReadingSchema = z.object({
  startedAt: z.number(),
  starts: count,
  invocations: z.object({ fetch: count, webSocketMessage: count, webSocketClose: count, alarm: count }),
  handlerMs: z.number().nonnegative(),
  clockAdvanced: z.boolean(),
  deadlines: z.record(z.string(), count),
  inboundMessages: count,
  inboundBytes: count,
  outboundMessages: count,
  outboundBytes: count,
  rowsWritten: count,
  kvWrites: count,
  kvWritesByKey: z.record(z.string(), count),
  sqlRowsWritten: count,
  sqlRowsByTable: z.record(z.string(), count),
  alarmWrites: count,
});
export type MeterReading = z.infer<typeof meterReadingSchema>;

/** Fetches the counters of `instanceId`'s object with the owner's session. */
export async function readMeter(edgeUrl: string, client: EdgeClient, instanceId: string): Promise<MeterReading> {
  const response = await fetch(`${edgeUrl}/api/instances/${instanceId}/meter`, { headers: { cookie: client.sessionCookie ?? "", origin: edgeUrl } });
  if (!response.ok) {
    throw new Error(`reading the usage meter of ${instanceId} failed with HTTP ${response.status}: ${await response.text()}`);
  }
  return meterReadingSchema.parse(await response.json());
}

/** Total invocations: each one may wake a hibernated object. */
export function invocationCount(reading: MeterReading): number {
  const { fetch, webSocketMessage, webSocketClose, alarm } = reading.invocations;
  return fetch + webSocketMessage + webSocketClose + alarm;
}
