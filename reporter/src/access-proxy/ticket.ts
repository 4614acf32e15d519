import { createHmac, timingSafeEqual } from "node:crypto";

import { ACCESS_TICKET_TTL_MS, splitAccessTicket } from "@comfycarry/shared";

/** Reason a ticket was rejected, for the log; the browser is only told that it was. */
export type TicketRejection = "malformed" | "no_key" | "other_instance" | "bad_signature" | "expired" | "too_far_ahead" | "already_used";

/** Tickets an edge clock slightly ahead of ours may issue; later expiries are forgeries or a broken clock. */
const CLOCK_SKEW_MS = 30_000;

/**
 * Checks dashboard tickets against the instance's access key. A ticket is accepted once: its
 * nonce is kept until the ticket expires, so a copied login link does not open a second session.
 */
export class TicketVerifier {
  readonly #instanceId: string;
  readonly #key: () => Buffer | null;
  readonly #now: () => number;
  readonly #used = new Map<string, number>();

  constructor(options: { instanceId: string; key: () => Buffer | null; now: () => number }) {
    this.#instanceId = options.instanceId;
    this.#key = options.key;
    this.#now = options.now;
  }

  /** Accepts `ticket` and marks it used, or returns why it is rejected. */
  redeem(ticket: string): { ok: true } | { ok: false; reason: TicketRejection } {
    const parts = splitAccessTicket(ticket);
    if (parts === null) {
      return { ok: false, reason: "malformed" };
    }
    const key = this.#key();
    if (key === null) {
      return { ok: false, reason: "no_key" };
    }
    if (parts.instanceId !== this.#instanceId) {
      return { ok: false, reason: "other_instance" };
    }

    const expected = createHmac("sha256", key).update(parts.signed).digest();
    const presented = Buffer.from(parts.signature, "base64url");
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      return { ok: false, reason: "bad_signature" };
    }

    const now = this.#now();
    if (parts.expiresAtMs <= now) {
      return { ok: false, reason: "expired" };
    }
    if (parts.expiresAtMs > now + ACCESS_TICKET_TTL_MS + CLOCK_SKEW_MS) {
      return { ok: false, reason: "too_far_ahead" };
    }

    this.#forgetExpired(now);
    if (this.#used.has(parts.nonce)) {
      return { ok: false, reason: "already_used" };
    }
    this.#used.set(parts.nonce, parts.expiresAtMs);
    return { ok: true };
  }

  #forgetExpired(now: number): void {
    for (const [nonce, expiresAtMs] of this.#used) {
      if (expiresAtMs <= now) {
        this.#used.delete(nonce);
      }
    }
  }
}
