import { z } from "zod";

import { sanitizeRcloneText } from "./sanitize.js";

/**
 * Parses the stderr lines of rclone run with `--use-json-log --stats 1s
 * --stats-log-level NOTICE`. Each line is a JSON object; stats lines carry a `stats`
 * object. rclone 1.60 prints NOTICE as level `warning`, newer releases may print
 * `notice`, so stats lines are recognised by the `stats` key, never by level. Fatal
 * errors before logging starts ("Failed to create file system …") are plain text.
 */

const transferringSchema = z.object({
  name: z.string(),
  bytes: z.number().nonnegative().catch(0),
  size: z.number().catch(-1),
  percentage: z.number().catch(0),
  speed: z.number().catch(0),
  eta: z.number().nullable().catch(null),
});

const statsSchema = z.object({
  bytes: z.number().catch(0),
  totalBytes: z.number().catch(0),
  speed: z.number().catch(0),
  eta: z.number().nullable().catch(null),
  checks: z.number().catch(0),
  totalChecks: z.number().catch(0),
  transfers: z.number().catch(0),
  totalTransfers: z.number().catch(0),
  deletes: z.number().catch(0),
  renames: z.number().catch(0),
  errors: z.number().catch(0),
  elapsedTime: z.number().catch(0),
  transferring: z.array(transferringSchema).catch([]),
});
export type RcloneStats = z.infer<typeof statsSchema>;

const logLineSchema = z.object({
  level: z.string().catch("info"),
  msg: z.string().catch(""),
  object: z.string().optional().catch(undefined),
  skipped: z.string().optional().catch(undefined),
  stats: z.unknown().optional(),
});

/** One parsed stderr line. Text fields are already sanitized. */
export type RcloneLine =
  | { kind: "stats"; stats: RcloneStats }
  | { kind: "log"; level: string; message: string; object: string | null; skipped: string | null }
  | { kind: "text"; text: string };

/** Parses one stderr line of rclone. */
export function parseRcloneLine(line: string): RcloneLine {
  const trimmed = line.trim();
  if (!trimmed.startsWith("{")) {
    return { kind: "text", text: sanitizeRcloneText(trimmed) };
  }

  let raw: unknown;
  try {
    raw = JSON.parse(trimmed);
  } catch {
    return { kind: "text", text: sanitizeRcloneText(trimmed) };
  }
  const parsed = logLineSchema.safeParse(raw);
  if (!parsed.success) {
    return { kind: "text", text: sanitizeRcloneText(trimmed) };
  }

  if (parsed.data.stats !== undefined) {
    const stats = statsSchema.safeParse(parsed.data.stats);
    if (stats.success) {
      return { kind: "stats", stats: stats.data };
    }
  }
  return {
    kind: "log",
    level: parsed.data.level,
    message: sanitizeRcloneText(parsed.data.msg.trim()),
    object: parsed.data.object === undefined ? null : sanitizeRcloneText(parsed.data.object),
    skipped: parsed.data.skipped ?? null,
  };
}

/** Returns whether a log line reports a failure (`error` or `critical`). */
export function isErrorLine(line: RcloneLine): boolean {
  if (line.kind === "text") {
    return /\b(failed|error|fatal)\b/i.test(line.text);
  }
  return line.kind === "log" && (line.level === "error" || line.level === "critical" || line.level === "fatal");
}
