import type { IncomingMessage } from "node:http";

/** Name of the proxy's session cookie, which the proxy removes before forwarding a request. */
export const SESSION_COOKIE = "cc_proxy_session";

/** Returns the value of cookie `name` in the request, or null. */
export function readCookie(request: IncomingMessage, name: string): string | null {
  for (const pair of (request.headers.cookie ?? "").split(";")) {
    const separator = pair.indexOf("=");
    if (separator !== -1 && pair.slice(0, separator).trim() === name) {
      return pair.slice(separator + 1).trim();
    }
  }
  return null;
}

/** Removes cookie `name` from the request's `Cookie` header before it goes upstream. */
export function stripCookie(request: IncomingMessage, name: string): void {
  const header = request.headers.cookie;
  if (header === undefined) {
    return;
  }
  const remaining = header.split(";").filter((pair) => pair.split("=", 1)[0]?.trim() !== name);
  if (remaining.length === 0) {
    delete request.headers.cookie;
  } else {
    request.headers.cookie = remaining.join(";").trim();
  }
}

/** Returns whether the browser reached the proxy over HTTPS, as the tunnel reports it. */
export function viaHttps(request: IncomingMessage): boolean {
  const proto = request.headers["x-forwarded-proto"];
  const visitor = request.headers["cf-visitor"];
  return proto === "https" || (typeof visitor === "string" && visitor.includes('"https"'));
}

/**
 * Builds the session cookie: HttpOnly so page scripts cannot read it, SameSite=Lax so other
 * sites cannot send it with their requests or sockets, Secure whenever the browser uses HTTPS.
 */
export function sessionCookie(request: IncomingMessage, value: string, maxAgeSeconds: number): string {
  const secure = viaHttps(request) ? "; Secure" : "";
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`;
}
