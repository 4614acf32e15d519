import type { IncomingMessage } from "node:http";

import { SESSION_COOKIE, readCookie, stripCookie } from "./cookies.js";
import type { SessionStore } from "./sessions.js";
import type { TokenChecker } from "./token-check.js";

/** Identity of a request: a proxy session, an API token, or the reason it has neither. */
export type Identity =
  | { kind: "session" }
  | { kind: "api_token" }
  | { kind: "anonymous"; reason: "no_credentials" | "session_expired" | "token_rejected" | "edge_unreachable" | "rate_limited" };

/** Returns the `Authorization: Bearer` value, or null. */
function bearerOf(request: IncomingMessage): string | null {
  const value = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "")?.[1];
  return value === undefined || value === "" ? null : value;
}

/** Returns the `token` query parameter of a WebSocket URL, or null. */
function queryTokenOf(url: URL): string | null {
  const value = url.searchParams.get("token");
  return value === null || value === "" ? null : value;
}

/**
 * Identifies a request: the proxy session cookie first, then an API token from
 * `Authorization: Bearer` or, on socket upgrades only, `?token=` in the URL. Removes every
 * credential it used from the request, so ComfyUI and custom nodes never see them.
 */
export async function identify(request: IncomingMessage, url: URL, upgrade: boolean, sessions: SessionStore, tokens: TokenChecker): Promise<Identity> {
  const sessionId = readCookie(request, SESSION_COOKIE);
  stripCookie(request, SESSION_COOKIE);
  const bearer = bearerOf(request);
  if (bearer !== null) {
    delete request.headers.authorization;
  }
  const queryToken = upgrade ? queryTokenOf(url) : null;
  if (queryToken !== null) {
    url.searchParams.delete("token");
    request.url = `${url.pathname}${url.search}`;
  }

  if (sessionId !== null && sessions.isValid(sessionId)) {
    return { kind: "session" };
  }
  const token = bearer ?? queryToken;
  if (token === null) {
    return { kind: "anonymous", reason: sessionId === null ? "no_credentials" : "session_expired" };
  }
  const verdict = await tokens.check(token);
  if (verdict === "allowed") {
    return { kind: "api_token" };
  }
  return { kind: "anonymous", reason: verdict === "rejected" ? "token_rejected" : verdict };
}

/** Returns whether a request changes state or opens a socket, which a foreign page must not do with the session cookie. */
function isStateChanging(request: IncomingMessage, upgrade: boolean): boolean {
  return upgrade || !["GET", "HEAD", "OPTIONS"].includes(request.method ?? "GET");
}

/**
 * Returns whether a session-authenticated request comes from another site. The proxy rewrites
 * `Origin` so ComfyUI's own same-origin check passes, so the proxy makes that check itself:
 * an `Origin` whose host differs from the request's `Host` may not change state.
 */
export function isCrossSite(request: IncomingMessage, upgrade: boolean): boolean {
  const origin = request.headers.origin;
  if (origin === undefined || !isStateChanging(request, upgrade)) {
    return false;
  }
  try {
    return new URL(origin).host !== (request.headers.host ?? "");
  } catch {
    return true;
  }
}
