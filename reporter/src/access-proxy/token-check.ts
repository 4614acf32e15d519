import { createHash } from "node:crypto";

import { ACCESS_TOKEN_CACHE_MAX_MS } from "@comfycarry/shared";
import { LRUCache } from "lru-cache";

import type { Logger } from "../log/logger.js";
import type { AccessEdge } from "./edge-client.js";

/** What an API token may do through the proxy: queueing prompts is control, so read-only tokens are turned away. */
const SCOPES_ALLOWED = new Set(["control", "admin"]);

/** Upper bound of cached answers; each key is a SHA-256, never the token itself. */
const MAX_CACHED = 5_000;

export type TokenVerdict = "allowed" | "rejected" | "edge_unreachable";

/**
 * Checks API tokens with the edge and keeps each answer, allowed or rejected, for at most
 * `cacheMs` (never more than 60 s), so a revoked token stops working within that time. When the
 * edge cannot be reached a token with no cached answer is not let in.
 */
export class TokenChecker {
  readonly #edge: AccessEdge;
  readonly #now: () => number;
  readonly #cacheMs: number;
  readonly #log: Logger;
  readonly #answers = new LRUCache<string, { allowed: boolean; expiresAtMs: number }>({ max: MAX_CACHED });
  readonly #pending = new Map<string, Promise<TokenVerdict>>();

  constructor(options: { edge: AccessEdge; now: () => number; log: Logger; cacheMs?: number }) {
    this.#edge = options.edge;
    this.#now = options.now;
    this.#log = options.log;
    this.#cacheMs = Math.min(options.cacheMs ?? ACCESS_TOKEN_CACHE_MAX_MS, ACCESS_TOKEN_CACHE_MAX_MS);
  }

  /** Returns whether `token` may use the proxy, asking the edge unless a fresh answer is cached. */
  async check(token: string): Promise<TokenVerdict> {
    const id = createHash("sha256").update(token).digest("hex");
    const cached = this.#answers.get(id);
    if (cached !== undefined && cached.expiresAtMs > this.#now()) {
      return cached.allowed ? "allowed" : "rejected";
    }

    // Concurrent requests with the same token (a page load) share one question to the edge.
    const pending = this.#pending.get(id);
    if (pending !== undefined) {
      return pending;
    }
    const asked = this.#ask(id, token).finally(() => this.#pending.delete(id));
    this.#pending.set(id, asked);
    return asked;
  }

  async #ask(id: string, token: string): Promise<TokenVerdict> {
    try {
      const answer = await this.#edge.checkToken(token);
      const allowed = answer.valid && SCOPES_ALLOWED.has(answer.scope);
      this.#answers.set(id, { allowed, expiresAtMs: this.#now() + this.#cacheMs });
      if (answer.valid && !allowed) {
        this.#log.info({ tokenId: answer.token_id, scope: answer.scope }, "an API token with too small a scope tried the access proxy");
      }
      return allowed ? "allowed" : "rejected";
    } catch (error) {
      this.#log.warn({ err: error }, "checking an API token with the edge failed; the request is rejected");
      return "edge_unreachable";
    }
  }
}
