/** Reading Manager request bodies and queries the way its aiohttp handlers do. */
import { PyError } from "../py/value.js";
import type { SimRequest } from "../server/request.js";
import { text, type SimResponse } from "../server/respond.js";

/** Manager's gate on body-less POSTs: form and text content types get 400. */
export function contentTypeRefusal(request: SimRequest): SimResponse | null {
  const type = (request.header("content-type") ?? "").toLowerCase();
  if (type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data") || type.startsWith("text/plain")) {
    return text("Invalid Content-Type for this endpoint. Use application/json or omit body.", 400);
  }
  return null;
}

/** `await request.json()` as a plain object; anything else raises like a Python handler would. */
export async function jsonBody(request: SimRequest): Promise<Record<string, unknown>> {
  const raw = (await request.body()).toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new PyError("json.decoder.JSONDecodeError", "Expecting value: line 1 column 1 (char 0)");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new PyError("AttributeError", "'list' object has no attribute 'get'");
  }
  return parsed as Record<string, unknown>;
}

export function str(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

/** The security refusal text legacy Manager answers with, its reason printed to the log. */
export const SECURITY_TEXT = "A security error has occurred. Please check the terminal logs";
