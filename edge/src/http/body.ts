/** @module Reads a JSON request body and parses it with a schema, turning failures into coded errors. */
import { ComfyCarryError, MAX_MESSAGE_BYTES, parseValue } from "@comfycarry/shared";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { z } from "zod";

/** Limit for small JSON bodies (logins, names, token requests). */
export const SMALL_BODY_BYTES = 16 * 1024;

/**
 * Rejects bodies over `maxBytes` with 413 `payload_too_large`. The default is MAX_MESSAGE_BYTES,
 * the same limit as socket frames; routes with small bodies pass a smaller one.
 */
export function limitBody(maxBytes: number = MAX_MESSAGE_BYTES) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new ComfyCarryError("payload_too_large", `request body is over the limit of ${maxBytes} bytes`, { max: maxBytes });
    },
  });
}

/** Returns the body decoded as JSON, or throws `invalid_message`. */
export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new ComfyCarryError("invalid_message", "request body is not valid JSON; send a JSON object with Content-Type: application/json");
  }
}

/** Returns the body parsed with `schema`, or throws `invalid_message` listing the issues. */
export async function readBody<S extends z.ZodType>(c: Context, schema: S): Promise<z.infer<S>> {
  const parsed = parseValue(schema, await readJson(c));
  if (!parsed.ok) {
    throw new ComfyCarryError("invalid_message", `invalid request body: ${parsed.issues}`);
  }
  return parsed.value;
}
