import type { IncomingMessage, ServerResponse } from "node:http";

import type { Logger } from "../log/logger.js";
import { SESSION_COOKIE, readCookie, sessionCookie } from "./cookies.js";
import { sendLoginFailedPage } from "./responses.js";
import { SESSION_TTL_MS } from "./sessions.js";
import type { SessionStore } from "./sessions.js";
import type { TicketVerifier } from "./ticket.js";

/** Returns `next` when it is a path on the proxy, else `/`, so a login never redirects to another host (`//host` or `/\host`). */
function safeNext(next: string | null): string {
  return next !== null && /^\/(?![/\\])/.test(next) && !/[\s]/.test(next) ? next : "/";
}

/**
 * `GET /__cc/login?ticket=…&next=/path`: redeems a dashboard ticket, sets the session cookie and
 * redirects to `next`, so the ticket leaves the address bar and the browser history.
 */
export function handleLogin(request: IncomingMessage, response: ServerResponse, url: URL, context: { tickets: TicketVerifier; sessions: SessionStore; dashboardUrl: string; log: Logger }): void {
  const ticket = url.searchParams.get("ticket") ?? "";
  const result = context.tickets.redeem(ticket);
  if (!result.ok) {
    context.log.warn({ reason: result.reason }, "rejected an access proxy login ticket");
    sendLoginFailedPage(response, context.dashboardUrl);
    return;
  }

  const previous = readCookie(request, SESSION_COOKIE);
  if (previous !== null) {
    context.sessions.end(previous);
  }
  const session = context.sessions.create();
  context.log.info("opened an access proxy session from a dashboard ticket");
  response.writeHead(303, {
    location: safeNext(url.searchParams.get("next")),
    "set-cookie": sessionCookie(request, session.id, Math.floor(SESSION_TTL_MS / 1000)),
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
  });
  response.end();
}

/** `/__cc/logout`: ends the session and clears the cookie. */
export function handleLogout(request: IncomingMessage, response: ServerResponse, sessions: SessionStore): void {
  const id = readCookie(request, SESSION_COOKIE);
  if (id !== null) {
    sessions.end(id);
  }
  response.writeHead(303, { location: "/", "set-cookie": sessionCookie(request, "", 0), "cache-control": "no-store" });
  response.end();
}
