/** @module Maps error codes to HTTP statuses and builds `{ error: WireError }` responses. */
import { ComfyCarryError } from "@comfycarry/shared";
import type { ErrorCode, WireError } from "@comfycarry/shared";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

import { errorFields, log } from "../log.js";
import { isUpgrade, refuseUpgrade } from "./socket-refusal.js";

const STATUS_BY_CODE: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_message: 400,
  invalid_arguments: 400,
  unknown_command: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  rate_limited: 429,
  payload_too_large: 413,
  service_not_found: 404,
  protocol_version_unsupported: 400,
  // The model hosts refused (a wrong token, a gated file): the caller can fix it, but not by changing the request.
  download_failed: 422,
  instance_offline: 503,
  command_timeout: 504,
  command_failed: 502,
  comfyui_unreachable: 502,
  pm2_failed: 502,
  replaced: 409,
  sync_failed: 502,
  tunnel_failed: 502,
  deploy_already_running: 409,
  deploy_failed: 502,
  internal_error: 500,
  provider_failed: 502,
};

/** Returns the HTTP status that carries `code`. */
export function statusForCode(code: ErrorCode): ContentfulStatusCode {
  return STATUS_BY_CODE[code];
}

/** Builds the JSON error response for a wire error; a throttled one carries `Retry-After`. */
export function errorResponse(error: WireError, status: ContentfulStatusCode = statusForCode(error.code)): Response {
  const retryAfter = error.params?.retry_after_s;
  const headers: Record<string, string> = typeof retryAfter === "number" ? { "Retry-After": String(retryAfter) } : {};
  return Response.json({ error }, { status, headers });
}

/** The reporter's socket path; other socket upgrades come from browsers. */
const REPORTER_SOCKET_PATH = "/api/reporter/ws";

/**
 * Hono error handler: a `ComfyCarryError` becomes its status and body. Anything else is logged
 * and becomes a plain `internal_error`, so internals never reach the client. A failed socket
 * upgrade gets its error on the socket itself (see `refuseUpgrade`).
 */
export function handleError(err: Error, c: Context): Response {
  let error: WireError;
  if (err instanceof ComfyCarryError) {
    error = err.toWire();
  } else {
    log.error({ err: errorFields(err), method: c.req.method, path: c.req.path }, "request failed");
    error = { code: "internal_error", message: "internal error; details are in the edge logs" };
  }

  if (isUpgrade(c.req.raw)) {
    return refuseUpgrade(c.req.path === REPORTER_SOCKET_PATH ? "reporter" : "browser", error);
  }
  return errorResponse(error);
}
