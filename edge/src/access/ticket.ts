/** @module Tickets that let the owner's browser open a session on an instance's access proxy. */
import { ACCESS_LOGIN_PATH, ACCESS_TICKET_TTL_MS, accessTicketSignedText } from "@comfycarry/shared";

import { toBase64Url } from "../auth/token.js";
import type { Env } from "../env.js";
import { accessKeyOf } from "./key.js";

/** Random bytes in a ticket's nonce, which the proxy remembers so each ticket opens one session. */
const NONCE_BYTES = 16;

/** Signs a ticket for `instanceId` that expires {@link ACCESS_TICKET_TTL_MS} after `now`. */
export async function issueAccessTicket(env: Env, instanceId: string, now: number): Promise<{ ticket: string; expiresAtMs: number }> {
  const expiresAtMs = now + ACCESS_TICKET_TTL_MS;
  const nonce = toBase64Url(crypto.getRandomValues(new Uint8Array(NONCE_BYTES)));
  const signed = accessTicketSignedText(instanceId, expiresAtMs, nonce);

  const key = await crypto.subtle.importKey("raw", await accessKeyOf(env, instanceId), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(signed));
  return { ticket: `${signed}.${toBase64Url(new Uint8Array(signature))}`, expiresAtMs };
}

/** Returns the path and query that redeem `ticket` on the proxy and then open `next`. */
export function loginPath(ticket: string, next: string): string {
  const query = new URLSearchParams({ ticket, next });
  return `${ACCESS_LOGIN_PATH}?${query.toString()}`;
}
