/**
 * A small client for Cloudflare API v4 (`/client/v4`): Bearer token, JSON bodies, and the
 * `{success, errors, result}` envelope. Every failure becomes a `tunnel_failed` error whose
 * message carries Cloudflare's own code and words and names the next step.
 */
import { ComfyCarryError, parseValue } from "@comfycarry/shared";
import { z } from "zod";

const envelopeSchema = z.object({
  success: z.boolean(),
  errors: z.array(z.object({ code: z.number(), message: z.string() }).loose()).default([]),
  result: z.unknown(),
});

/** Failure class of a call, sent as `params.reason`. */
export type CloudflareFailure = "cloudflare_auth" | "cloudflare_permission" | "cloudflare_rate_limited" | "cloudflare_rejected" | "cloudflare_unreachable";

const PERMISSION_HINT = "The token needs Account › Cloudflare Tunnel › Edit and Zone › DNS › Edit (plus Zone › Zone › Read).";

export class CloudflareClient {
  readonly #baseUrl: string;
  readonly #token: string;
  readonly #timeoutMs: number;

  constructor(baseUrl: string, token: string, timeoutMs = 15_000) {
    this.#baseUrl = baseUrl.replace(/\/$/, "");
    this.#token = token;
    this.#timeoutMs = timeoutMs;
  }

  /** Sends one request and returns `result` parsed with `schema`. `what` names the step in errors. */
  async call<S extends z.ZodType>(what: string, method: string, path: string, schema: S, body?: unknown): Promise<z.infer<S>> {
    let response: Response;
    try {
      response = await fetch(`${this.#baseUrl}${path}`, {
        method,
        headers: { Authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw this.#failure("cloudflare_unreachable", `${what} failed: the Cloudflare API at ${this.#baseUrl} did not respond (${reason}). Check the network and try again.`);
    }

    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw this.#failure("cloudflare_unreachable", `${what} failed: Cloudflare responded with HTTP ${response.status} and a body that is not JSON. Try again later.`);
    }
    const envelope = parseValue(envelopeSchema, json);
    if (!envelope.ok) {
      throw this.#failure("cloudflare_rejected", `${what} failed: Cloudflare responded with HTTP ${response.status} without the usual envelope (${envelope.issues}).`);
    }

    if (!response.ok || !envelope.value.success) {
      const words = envelope.value.errors.map((error) => `code ${error.code}: ${error.message}`).join("; ") || "no error details";
      throw this.#classify(what, response, words, envelope.value.errors.map((error) => error.code));
    }

    const result = parseValue(schema, envelope.value.result);
    if (!result.ok) {
      throw this.#failure("cloudflare_rejected", `${what} failed: Cloudflare's response has an unexpected shape (${result.issues}).`);
    }
    return result.value;
  }

  #classify(what: string, response: Response, words: string, codes: number[]): ComfyCarryError {
    if (response.status === 429 || codes.includes(971)) {
      const retryAfter = response.headers.get("retry-after");
      return this.#failure("cloudflare_rate_limited", `${what} failed: Cloudflare rate limit (HTTP 429, ${words}). Try again${retryAfter === null ? " in a few minutes" : ` in ${retryAfter} s`}.`);
    }
    if (codes.includes(1000) || codes.includes(6003) || codes.includes(1001) || (response.status === 401 && codes.includes(10000))) {
      return this.#failure("cloudflare_auth", `${what} failed: Cloudflare rejected the API token (HTTP ${response.status}, ${words}). Paste a valid API token.`);
    }
    if (response.status === 403 || codes.includes(10000) || codes.includes(9109)) {
      return this.#failure("cloudflare_permission", `${what} failed: the API token lacks a permission (HTTP ${response.status}, ${words}). ${PERMISSION_HINT}`);
    }
    return this.#failure("cloudflare_rejected", `${what} failed: Cloudflare responded with HTTP ${response.status} (${words}).`);
  }

  #failure(reason: CloudflareFailure, message: string): ComfyCarryError {
    return new ComfyCarryError("tunnel_failed", message, { reason, detail: message });
  }
}
