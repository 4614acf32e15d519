import { randomBytes } from "node:crypto";

import { LRUCache } from "lru-cache";

/** How long a proxy session lasts after login; the dashboard issues a new ticket for the next one. */
export const SESSION_TTL_MS = 12 * 60 * 60_000;

/** Upper bound of live sessions; the least recently used one is dropped beyond it. */
const MAX_SESSIONS = 10_000;

/**
 * Proxy sessions in memory, keyed by the random id in the session cookie. A reporter restart
 * ends them all, which only costs the user one more click on "Open ComfyUI".
 */
export class SessionStore {
  readonly #now: () => number;
  readonly #expiries = new LRUCache<string, number>({ max: MAX_SESSIONS });

  constructor(options: { now: () => number }) {
    this.#now = options.now;
  }

  /** Starts a session and returns its id (256 random bits, base64url) and expiry in ms since the epoch. */
  create(): { id: string; expiresAtMs: number } {
    const id = randomBytes(32).toString("base64url");
    const expiresAtMs = this.#now() + SESSION_TTL_MS;
    this.#expiries.set(id, expiresAtMs);
    return { id, expiresAtMs };
  }

  /** Returns whether `id` names a session that has not expired; an expired one is forgotten. */
  isValid(id: string): boolean {
    const expiresAtMs = this.#expiries.get(id);
    if (expiresAtMs === undefined) {
      return false;
    }
    if (expiresAtMs <= this.#now()) {
      this.#expiries.delete(id);
      return false;
    }
    return true;
  }

  /** Ends session `id`. */
  end(id: string): void {
    this.#expiries.delete(id);
  }
}
