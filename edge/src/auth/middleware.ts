/** @module Hono middleware for owner sessions and same-origin checks. */
import { ComfyCarryError } from "@comfycarry/shared";
import type { MiddlewareHandler } from "hono";

import type { AppEnv } from "../http/app-env.js";
import { readSession } from "./session.js";
import { requireSecret } from "./settings.js";

/** Rejects requests without a valid owner session with 401 `unauthorized`. */
export function requireOwner(): MiddlewareHandler<AppEnv> {
  return async function requireOwner(c, next) {
    const secret = requireSecret(c.env, "SESSION_SECRET");
    const expiresAt = await readSession(c, secret);
    if (expiresAt === null) {
      throw new ComfyCarryError("unauthorized", "sign in first: no valid session cookie on this request");
    }
    c.set("sessionExpiresAt", expiresAt);
    await next();
  };
}

function isStateChanging(method: string, headers: Headers): boolean {
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
 * Requests without `Origin` (curl, the reporter) pass: they carry no ambient browser credentials
 * that another site could borrow.
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
