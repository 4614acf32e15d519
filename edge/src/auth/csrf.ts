/**
 * @module CSRF tokens for cookie-authenticated requests that arrive without an `Origin` header.
 * The token is an HMAC of the session id under `SESSION_SECRET`, so it needs no storage, differs
 * per session and dies with it. Browsers send `Origin` on every state-changing request, which
 * `checkOrigin` verifies; the token covers clients that do not.
 */
import { toBase64Url } from "./token.js";

async function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
}

/** Returns the CSRF token of a session. */
export async function csrfToken(secret: string, sessionId: string): Promise<string> {
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(`csrf:${sessionId}`));
  return toBase64Url(new Uint8Array(signature));
}

/** Returns whether `presented` is the session's CSRF token, compared in constant time. */
export async function csrfTokenMatches(secret: string, sessionId: string, presented: string): Promise<boolean> {
  const expected = new TextEncoder().encode(await csrfToken(secret, sessionId));
  const given = new TextEncoder().encode(presented);
  return expected.byteLength === given.byteLength && crypto.subtle.timingSafeEqual(expected, given);
}
