/** Matching requests to routes by method and path pattern. */
import type { ServerResponse } from "node:http";

import type { FakeToken, Permission } from "./store.js";

export interface RouteContext {
  params: Record<string, string | undefined>;
  query: URLSearchParams;
  body: unknown;
  token: FakeToken | null;
  response: ServerResponse;
}

export interface Route {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** A regular expression source for the path after /client/v4, anchored at both ends. */
  pattern: string;
  /** The permission a token needs; null for routes any well-formed token may call. */
  permission: Permission | null;
  handle(context: RouteContext): void;
}

/** Permissions that include others, as Edit includes Read in Cloudflare's token templates. */
const IMPLIED: Record<Permission, Permission[]> = {
  "tunnel:edit": ["tunnel:read"],
  "tunnel:read": [],
  "dns:edit": ["dns:read", "zone:read"],
  // Zone lookups by name work with DNS permissions scoped to that zone.
  "dns:read": ["zone:read"],
  "zone:read": [],
};

/** Returns whether `token` has `permission` directly or through one it implies. */
export function holds(token: FakeToken, permission: Permission): boolean {
  return token.permissions.some((held) => held === permission || IMPLIED[held].includes(permission));
}

/** Returns the route and path parameters for a request, or null. */
export function match(routes: Route[], method: string, path: string): { route: Route; params: Record<string, string | undefined> } | null {
  for (const route of routes) {
    if (route.method !== method) {
      continue;
    }
    const found = new RegExp(`^${route.pattern}$`).exec(path);
    if (found !== null) {
      return { route, params: { ...found.groups } };
    }
  }
  return null;
}
