/**
 * @module Owner sessions. The cookie holds a random session id, signed with HMAC-SHA-256 under
 * `SESSION_SECRET` (Hono's signed-cookie helper, which verifies with `crypto.subtle.verify`).
 * The fleet object keeps a record per session under the id's SHA-256, so a session can be
 * ended server-side. Every login starts a new id; a password change ends all of them.
 */
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";

import { fleetStub } from "../env.js";
import type { AppEnv } from "../http/app-env.js";
import { hashCredential, toHex } from "./token.js";

export const SESSION_COOKIE = "cc_session";

/** How long a login lasts; the lifetime is fixed at login and not extended by use. */
export const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

/** Cookie value format version; v1 cookies (expiry only, no server record) are no longer accepted. */
const VALUE_PREFIX = "v2-";
const SESSION_ID_PATTERN = /^[0-9a-f]{32}$/;

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

/** A live session found on a request. */
export type SessionRef = { idHash: string; sessionId: string; expiresAt: number };

/** Records a new session, sets its cookie and returns it. */
export async function startSession(c: Context<AppEnv>, secret: string, now: number = Date.now()): Promise<SessionRef> {
  const sessionId = toHex(crypto.getRandomValues(new Uint8Array(16)));
  const idHash = await hashCredential(sessionId);
  const expiresAt = now + SESSION_LIFETIME_MS;
  await fleetStub(c.env).createSession(idHash, now, expiresAt);
  await setSignedCookie(c, SESSION_COOKIE, `${VALUE_PREFIX}${sessionId}`, secret, cookieOptions(c, SESSION_LIFETIME_MS / 1000));
  return { idHash, sessionId, expiresAt };
}

/** Returns the session id from a correctly signed cookie, or null. */
export async function sessionIdOf(c: Context, secret: string): Promise<string | null> {
  const value = await getSignedCookie(c, secret, SESSION_COOKIE);
  if (typeof value !== "string" || !value.startsWith(VALUE_PREFIX)) {
    return null;
  }
  const sessionId = value.slice(VALUE_PREFIX.length);
  return SESSION_ID_PATTERN.test(sessionId) ? sessionId : null;
}

/** Returns the live session on the request, or null when there is none or it was ended or expired. */
export async function readSession(c: Context<AppEnv>, secret: string, now: number = Date.now()): Promise<SessionRef | null> {
  const sessionId = await sessionIdOf(c, secret);
  if (sessionId === null) {
    return null;
  }
  const idHash = await hashCredential(sessionId);
  const expiresAt = await fleetStub(c.env).checkSession(idHash, now);
  return expiresAt === null ? null : { idHash, sessionId, expiresAt };
}

/** Clears the session cookie. */
export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, cookieOptions(c, 0));
}
