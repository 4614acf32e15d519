import { createHash } from "node:crypto";

import { ACCESS_TOKEN_CACHE_MAX_MS } from "@comfycarry/shared";
import { LRUCache } from "lru-cache";

import type { Logger } from "../log/logger.js";
import type { AccessEdge } from "./edge-client.js";

/** Scopes that may use the proxy: queueing prompts needs control, so read-only tokens are rejected. */
const SCOPES_ALLOWED = new Set(["control", "admin"]);

/** Maximum number of cached verdicts; each key is a SHA-256 of the token, never the token itself. */
const MAX_CACHED = 5_000;

/**
 * Maximum number of token checks sent to the edge per second. Anyone who reaches the tunnel can
 * send made-up tokens, and each new one would otherwise cost a request to the edge.
 */
const MAX_EDGE_CHECKS_PER_SECOND = 10;

export type TokenVerdict = "allowed" | "rejected" | "edge_unreachable" | "rate_limited";

/**
 * Checks API tokens with the edge and caches each verdict, allowed or rejected, for at most
 * `cacheMs` (never more than 60 s), so a revoked token stops working within that time. While the
 * edge cannot be reached, a token without a cached verdict is rejected.
 */
export class TokenChecker {
  readonly #edge: AccessEdge;
  readonly #now: () => number;
  readonly #cacheMs: number;
  readonly #log: Logger;
  readonly #verdicts = new LRUCache<string, { allowed: boolean; expiresAtMs: number }>({ max: MAX_CACHED });
  readonly #pending = new Map<string, Promise<TokenVerdict>>();
  #windowStartMs = 0;
  #checksInWindow = 0;
  #limitedInWindow = 0;

  constructor(options: { edge: AccessEdge; now: () => number; log: Logger; cacheMs?: number }) {
    this.#edge = options.edge;
    this.#now = options.now;
    this.#log = options.log;
    this.#cacheMs = Math.min(options.cacheMs ?? ACCESS_TOKEN_CACHE_MAX_MS, ACCESS_TOKEN_CACHE_MAX_MS);
  }

  /** Returns whether `token` may use the proxy, calling the edge unless a fresh verdict is cached. */
  async check(token: string): Promise<TokenVerdict> {
    const id = createHash("sha256").update(token).digest("hex");
    const cached = this.#verdicts.get(id);
    if (cached !== undefined && cached.expiresAtMs > this.#now()) {
      return cached.allowed ? "allowed" : "rejected";
    }

    // Concurrent requests with the same token (a page load) share one question to the edge.
    const pending = this.#pending.get(id);
    if (pending !== undefined) {
      return pending;
    }
    if (!this.#takeEdgeCheck()) {
      return "rate_limited";
    }
    const verdict = this.#ask(id, token).finally(() => this.#pending.delete(id));
    this.#pending.set(id, verdict);
    return verdict;
  }

  /** Counts one edge check against the per-second limit; returns false when the limit is reached. */
  #takeEdgeCheck(): boolean {
    const now = this.#now();
    if (now - this.#windowStartMs >= 1_000) {
      if (this.#limitedInWindow > 0) {
        this.#log.warn({ rejected: this.#limitedInWindow, limitPerSecond: MAX_EDGE_CHECKS_PER_SECOND }, "rejected API tokens over the edge check limit");
      }
      this.#windowStartMs = now;
      this.#checksInWindow = 0;
      this.#limitedInWindow = 0;
    }
    if (this.#checksInWindow >= MAX_EDGE_CHECKS_PER_SECOND) {
      this.#limitedInWindow += 1;
      return false;
    }
    this.#checksInWindow += 1;
    return true;
  }

  async #ask(id: string, token: string): Promise<TokenVerdict> {
    try {
      const answer = await this.#edge.checkToken(token);
      const allowed = answer.valid && SCOPES_ALLOWED.has(answer.scope);
      this.#verdicts.set(id, { allowed, expiresAtMs: this.#now() + this.#cacheMs });
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
