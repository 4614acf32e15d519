/**
 * @module Structured logs for the edge: one JSON object per line, which Workers Logs indexes
 * field by field. Field names are shared across modules (`instanceId`, `connectionId`,
 * `commandId`), and no caller passes a token, password or cookie.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";

/** Fields of one log line; outside data goes under a key the caller owns, never spread. */
export type LogFields = Record<string, unknown>;

/** Field names that must never carry a value into a log line, at any depth; a second line of defence behind the callers. */
const SECRET_FIELDS = new Set(["password", "token", "secret", "cookie", "authorization", "setup_code", "value", "ciphertext", "key_value", "current_password", "new_password"]);

function redactFields(fields: object, depth: number): LogFields {
  return Object.fromEntries(Object.entries(fields).map(([key, inner]) => [key, SECRET_FIELDS.has(key.toLowerCase()) ? "[redacted]" : redact(inner, depth + 1)]));
}

function redact(value: unknown, depth: number): unknown {
  if (depth > 4 || typeof value !== "object" || value === null) {
    return value;
  }
  return Array.isArray(value) ? value.map((item) => redact(item, depth + 1)) : redactFields(value, depth);
}

/** Writes one log line, fields first as in pino, so a line reads like `log.info({ instanceId }, "…")`. */
function write(level: LogLevel, fields: LogFields, msg: string): void {
  const line = JSON.stringify({ level, msg, ...redactFields(fields, 0), time: new Date().toISOString() });
  if (level === "error") {
    console.error(line);
  } else if (level === "warn") {
    console.warn(line);
  } else {
    console.log(line);
  }
}

/** Turns a caught value into loggable fields: name and message, no stack noise for plain values. */
export function errorFields(err: unknown): { name: string; message: string } {
  if (err instanceof Error) {
    return { name: err.name, message: err.message };
  }
  return { name: typeof err, message: String(err) };
}

export const log = {
  debug: (fields: LogFields, msg: string): void => write("debug", fields, msg),
  info: (fields: LogFields, msg: string): void => write("info", fields, msg),
  warn: (fields: LogFields, msg: string): void => write("warn", fields, msg),
  error: (fields: LogFields, msg: string): void => write("error", fields, msg),
};
