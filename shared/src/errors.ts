import { z } from "zod";

/**
 * Error codes carried by command results, HTTP error bodies and socket close reasons.
 * The dashboard shows each through the i18n key `errors.<code>`, so a code added here
 * needs an `en` and a `zh-CN` entry.
 */
export const USER_ERROR_CODES = [
  "invalid_message", // A frame or body did not parse against its schema.
  "invalid_arguments", // Command arguments did not parse against the command's schema.
  "unknown_command", // The command name is not in the allowlist.
  "unauthorized", // No valid session, token or password.
  "forbidden", // Authenticated, but the scope or origin does not allow it.
  "not_found", // The instance, route or resource does not exist.
  "rate_limited", // Too many attempts; retry after the given delay.
  "payload_too_large", // A body or frame is over the size limit.
  "service_not_found", // A PM2 service with that name does not exist.
  "protocol_version_unsupported", // The reporter speaks a protocol version the edge does not accept.
  "download_failed", // CivitAI, Hugging Face or the download queue refused; `params.reason` is the download failure code.
  "deploy_already_running", // A deploy is running; `params.deploy_id` is its id.
] as const;

export const SYSTEM_ERROR_CODES = [
  "instance_offline", // No reporter is connected for the instance.
  "command_timeout", // The command's deadline passed before a result came.
  "command_failed", // The reporter ran the command and it failed.
  "comfyui_unreachable", // ComfyUI did not answer on its HTTP API.
  "pm2_failed", // PM2 returned an error.
  "replaced", // Another container enrolled with this instance's name.
  "internal_error", // An unexpected failure; details are in the logs.
  "provider_failed", // The vast.ai or RunPod API is not configured or failed; `params.reason` says which.
  "deploy_failed", // The deploy engine could not start or resume a deploy; `params.reason` says why.
  "sync_failed", // The sync engine could not do it; params.reason is a sync failure code or "engine_unavailable".
  "tunnel_failed", // cloudflared or the Cloudflare API failed; params.reason names the step, the message carries Cloudflare's words.
] as const;

export const ERROR_CODES = [...USER_ERROR_CODES, ...SYSTEM_ERROR_CODES] as const;

export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

/** The error object on the wire: a stable code, an English message for logs, and parameters for i18n. */
export const wireErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string().max(2000),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type WireError = z.infer<typeof wireErrorSchema>;

/** An error with a stable code, thrown by any side and turned into a `WireError` at the boundary. */
export class ComfyCarryError extends Error {
  readonly code: ErrorCode;
  readonly params: WireError["params"];

  constructor(code: ErrorCode, message: string, params?: WireError["params"], options?: { cause?: unknown }) {
    super(message, options);
    this.name = `ComfyCarryError[${code}]`;
    this.code = code;
    this.params = params;
  }

  toWire(): WireError {
    return this.params === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, params: this.params };
  }
}

/** Returns whether `code` is one the user can fix, as opposed to a system fault. */
export function isUserErrorCode(code: ErrorCode): boolean {
  return (USER_ERROR_CODES as readonly string[]).includes(code);
}

/**
 * WebSocket close code for application-level closes; the reason string is an `ErrorCode`.
 * 4000–4999 is the range RFC 6455 leaves to applications.
 */
export const APP_CLOSE_CODE = 4000;
