/**
 * @module Owner sessions: a cookie holding the expiry, signed with HMAC-SHA-256 under
 * `SESSION_SECRET` (Hono's signed-cookie helper, which verifies with `crypto.subtle.verify`).
 */
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";

export const SESSION_COOKIE = "cc_session";

/** How long a login lasts. */
export const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/** Cookie value format version, so a later format can reject old cookies cleanly. */
const VALUE_PREFIX = "v1-";

/** Returns whether the request reached us over plain http on a loopback name (local dev), where `Secure` cookies would be dropped. */
export function isLocalHttp(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === "http:" && (hostname === "localhost" || hostname === "127.0.0.1" || hostname === "[::1]");
}

function cookieOptions(c: Context, maxAgeSeconds: number) {
  return {
    path: "/",
    httpOnly: true,
    sameSite: "Lax" as const,
    secure: !isLocalHttp(c.req.url),
    maxAge: maxAgeSeconds,
  };
}

/** Sets a fresh session cookie and returns when it expires. */
export async function startSession(c: Context, secret: string, now: number = Date.now()): Promise<Date> {
  const expiresAt = now + SESSION_LIFETIME_MS;
  await setSignedCookie(c, SESSION_COOKIE, `${VALUE_PREFIX}${expiresAt}`, secret, cookieOptions(c, SESSION_LIFETIME_MS / 1000));
  return new Date(expiresAt);
}

/** Returns the expiry of a valid, unexpired session on the request, or null. */
export async function readSession(c: Context, secret: string, now: number = Date.now()): Promise<Date | null> {
  const value = await getSignedCookie(c, secret, SESSION_COOKIE);
  if (typeof value !== "string" || !value.startsWith(VALUE_PREFIX)) {
    return null;
  }

  const expiresAt = Number(value.slice(VALUE_PREFIX.length));
  if (!Number.isSafeInteger(expiresAt) || expiresAt <= now) {
    return null;
  }
  return new Date(expiresAt);
}

/** Clears the session cookie. */
export function endSession(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c, 0));
}
