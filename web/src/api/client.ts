import { errorBodySchema } from "@comfycarry/shared/messages";
import { parseValue } from "@comfycarry/shared/parse";

import type { ErrorCode, WireError } from "@comfycarry/shared/errors";
import type { z } from "zod";

// The one place the dashboard talks HTTP to the edge. Every response comes back as a
// value, never a throw, and every body is parsed with the schema the caller names.

/** Codes the dashboard raises itself when no error body came from the edge. */
export type ClientErrorCode = "network_error" | "invalid_response";

/** A failed request: the edge's error, or one of the client's own codes. */
export interface ApiFailure {
  code: ErrorCode | ClientErrorCode;
  message: string;
  params?: WireError["params"];
  status: number | null;
}

/** The outcome of a request: the parsed body, or the failure. */
export type ApiResult<T> = { ok: true; value: T } | { ok: false; error: ApiFailure };

/** Called on any 401 outside the auth routes, so the app can send the user to the login page. */
let unauthorizedHandler: (() => void) | null = null;

/** Sets the handler for 401 responses. */
export function onUnauthorized(handler: (() => void) | null): void {
  unauthorizedHandler = handler;
}

/** The HTTP methods the edge's routes use. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Options for one request. */
export interface RequestOptions {
  body?: unknown;
  /** Skip the global 401 handler, because the login and session routes return 401 as part of their job. */
  expectUnauthorized?: boolean;
  signal?: AbortSignal;
}

/** Maps an HTTP status to a code when the body held no error object. */
function codeForStatus(status: number): ErrorCode | ClientErrorCode {
  if (status === 401) {
    return "unauthorized";
  }
  if (status === 403) {
    return "forbidden";
  }
  if (status === 404) {
    return "not_found";
  }
  return status === 429 ? "rate_limited" : "invalid_response";
}

/** Reads a failed response's error body, falling back to a code from the status. */
async function failureFrom(response: Response): Promise<ApiFailure> {
  const json: unknown = await response.json().catch(() => null);
  const parsed = parseValue(errorBodySchema, json);
  if (parsed.ok) {
    return { ...parsed.value.error, status: response.status };
  }
  return { code: codeForStatus(response.status), message: `HTTP ${response.status}`, status: response.status };
}

/** Sends a request; a failure is returned as a value, with 401 reported to the app. */
async function send(method: HttpMethod, path: string, options: RequestOptions): Promise<ApiResult<Response>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: options.body === undefined ? { accept: "application/json" } : { accept: "application/json", "content-type": "application/json" },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, error: { code: "network_error", message, status: null } };
  }

  if (!response.ok) {
    const failure = await failureFrom(response);
    if (response.status === 401 && options.expectUnauthorized !== true) {
      unauthorizedHandler?.();
    }
    return { ok: false, error: failure };
  }
  return { ok: true, value: response };
}

/** Sends a request whose 2xx body must parse against `schema`. */
export async function requestJson<S extends z.ZodType>(
  method: HttpMethod,
  path: string,
  schema: S,
  options: RequestOptions = {},
): Promise<ApiResult<z.infer<S>>> {
  const sent = await send(method, path, options);
  if (!sent.ok) {
    return sent;
  }

  const json: unknown = await sent.value.json().catch(() => null);
  const parsed = parseValue(schema, json);
  if (!parsed.ok) {
    return { ok: false, error: { code: "invalid_response", message: `${method} ${path}: ${parsed.issues}`, status: sent.value.status } };
  }
  return { ok: true, value: parsed.value };
}

/** Sends a request whose answer has no body worth reading (204). */
export async function requestEmpty(method: HttpMethod, path: string, options: RequestOptions = {}): Promise<ApiResult<undefined>> {
  const sent = await send(method, path, options);
  return sent.ok ? { ok: true, value: undefined } : sent;
}
