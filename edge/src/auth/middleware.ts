/**
 * @module Hono middleware: same-origin checks, authentication (owner session cookie or API
 * token) with the CSRF rule, and scope checks.
 */
import { CSRF_HEADER, ComfyCarryError } from "@comfycarry/shared";
import type { ApiScope } from "@comfycarry/shared";
import type { Context, MiddlewareHandler } from "hono";

import { fleetStub } from "../env.js";
import type { AppEnv } from "../http/app-env.js";
import { scopeCovers, scopeOf } from "./actor.js";
import type { Actor } from "./actor.js";
import { csrfTokenMatches } from "./csrf.js";
import { readSession } from "./session.js";
import { requireSecret } from "./settings.js";
import { API_TOKEN_PREFIX, MAX_CREDENTIAL_LENGTH, bearerOf, hashCredential } from "./token.js";

/** Returns whether a request can change state: any method but GET/HEAD/OPTIONS, and every socket upgrade. */
export function isStateChanging(method: string, headers: Headers): boolean {
  const upgrade = headers.get("Upgrade")?.toLowerCase() === "websocket";
  return upgrade || !["GET", "HEAD", "OPTIONS"].includes(method);
}

/** Parses `ALLOWED_ORIGINS` (comma-separated) into a set of origins. */
function allowedOrigins(setting: string | undefined): Set<string> {
  const entries = (setting ?? "").split(",").map((entry) => entry.trim());
  return new Set(entries.filter((entry) => entry !== ""));
}

/**
 * Rejects state-changing requests and WebSocket upgrades whose `Origin` header is present and
 * is neither the request's own origin nor listed in `ALLOWED_ORIGINS`, with 403 `forbidden`.
 * Requests without `Origin` go on, and `authenticate` then expects cookie-authenticated ones to carry the
 * CSRF token, while Bearer and anonymous requests carry no ambient credentials to borrow.
 */
export function checkOrigin(): MiddlewareHandler<AppEnv> {
  return async function checkOrigin(c, next) {
    const origin = c.req.header("Origin");
    if (origin !== undefined && isStateChanging(c.req.method, c.req.raw.headers)) {
      const own = new URL(c.req.url).origin;
      if (origin !== own && !allowedOrigins(c.env.ALLOWED_ORIGINS).has(origin)) {
        throw new ComfyCarryError(
          "forbidden",
          `origin ${JSON.stringify(origin).slice(0, 200)} is not allowed here; use ${own}, or add it to ALLOWED_ORIGINS`,
          { origin: origin.slice(0, 200) },
        );
      }
    }
    await next();
  };
}

async function apiTokenActor(c: Context<AppEnv>, token: string): Promise<Actor> {
  if (!token.startsWith(API_TOKEN_PREFIX) || token.length > MAX_CREDENTIAL_LENGTH) {
    throw new ComfyCarryError("unauthorized", `this Bearer value is not an API token (they start with ${API_TOKEN_PREFIX}); create one under Settings → API tokens`);
  }
  const record = await fleetStub(c.env).useApiToken(await hashCredential(token), Date.now());
  if (record === null) {
    throw new ComfyCarryError("unauthorized", "unknown or revoked API token; create a new one under Settings → API tokens");
  }
  return { kind: "api_token", tokenId: record.id, name: record.name, scope: record.scope };
}

async function sessionActor(c: Context<AppEnv>): Promise<Actor> {
  const secret = requireSecret(c.env, "SESSION_SECRET");
  const session = await readSession(c, secret);
  if (session === null) {
    throw new ComfyCarryError("unauthorized", "sign in first: no valid session cookie on this request");
  }

  // A request without Origin cannot be judged by checkOrigin, so it must prove it read the session.
  if (c.req.header("Origin") === undefined && isStateChanging(c.req.method, c.req.raw.headers)) {
    const presented = c.req.header(CSRF_HEADER) ?? "";
    if (!(await csrfTokenMatches(secret, session.sessionId, presented))) {
      throw new ComfyCarryError("forbidden", `this request has no Origin header, so it needs ${CSRF_HEADER} with the csrf_token from GET /api/auth/session`);
    }
  }
  c.set("session", session);
  return { kind: "owner", sessionIdHash: session.idHash, expiresAt: session.expiresAt };
}

/**
 * Identifies the caller and refuses anonymous requests with 401 `unauthorized`. An
 * `Authorization: Bearer` API token wins over a session cookie; every caller needs at least
 * the `read` scope, and routes ask for more with {@link requireScope}.
 */
export function authenticate(): MiddlewareHandler<AppEnv> {
  return async function authenticate(c, next) {
    const bearer = bearerOf(c.req.raw.headers);
    const actor = bearer === null ? await sessionActor(c) : await apiTokenActor(c, bearer);
    c.set("actor", actor);
    await next();
  };
}

/** Refuses callers whose scope does not cover `needed`, with 403 `forbidden`. */
export function requireScope(needed: ApiScope): MiddlewareHandler<AppEnv> {
  return async function requireScope(c, next) {
    const held = scopeOf(c.get("actor"));
    if (!scopeCovers(held, needed)) {
      throw new ComfyCarryError("forbidden", `this needs an API token with the ${needed} scope; this one has ${held}`, { needed, held });
    }
    await next();
  };
}

/** Refuses API tokens: for routes only the owner's own session may use (password change, sessions). */
export function requireOwnerSession(): MiddlewareHandler<AppEnv> {
  return async function requireOwnerSession(c, next) {
    if (c.get("actor").kind !== "owner") {
      throw new ComfyCarryError("forbidden", "only the owner's signed-in session can do this, not an API token");
    }
    await next();
  };
}
