import type { z } from "zod";

/** A parse outcome as a value: the data, or a short description of what failed and where. */
export type ParseOutcome<T> = { ok: true; value: T } | { ok: false; issues: string };

/**
 * Parses a text frame as JSON and then against `schema`. The issue text names paths and
 * expectations only, never the received values, so a frame holding a secret is not echoed.
 */
export function parseFrame<S extends z.ZodType>(schema: S, text: string): ParseOutcome<z.infer<S>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, issues: "frame is not valid JSON" };
  }
  return parseValue(schema, json);
}

/** Parses an already decoded value against `schema`, with the same issue text as `parseFrame`. */
export function parseValue<S extends z.ZodType>(schema: S, value: unknown): ParseOutcome<z.infer<S>> {
  const result = schema.safeParse(value);
  if (result.success) {
    return { ok: true, value: result.data };
  }
  const issues = result.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`)
    .join("; ");
  return { ok: false, issues };
}
