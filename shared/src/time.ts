import { z } from "zod";

/** An ISO 8601 timestamp in UTC ending in `Z`; the dashboard converts it to the viewer's zone. */
export const utcTimestampSchema = z.iso.datetime({ offset: false });
export type UtcTimestamp = z.infer<typeof utcTimestampSchema>;

/** Formats a Date as an ISO 8601 UTC timestamp. */
export function toUtcTimestamp(date: Date = new Date()): UtcTimestamp {
  return date.toISOString();
}
