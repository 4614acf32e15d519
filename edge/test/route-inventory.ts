/**
 * Test support: the edge's routes as Hono lists them, turned into concrete requests, and a
 * check that a route refuses an anonymous caller (401, or a socket closed with `unauthorized`).
 */
import { APP_CLOSE_CODE } from "@comfycarry/shared";
import type { Hono } from "hono";

import { ORIGIN } from "./helpers.js";

/** Routes anyone may call, as "METHOD /pattern". Everything else must refuse anonymous requests. */
export const ANONYMOUS_ROUTES: ReadonlySet<string> = new Set([
  "GET /api/health",
  "POST /api/auth/login",
  "GET /api/auth/setup",
  "POST /api/auth/setup",
  "POST /api/enroll", // needs an enrollment key, checked in the handler
  "POST /api/bootstrap/handoff", // needs an enrollment key, checked in the handler
  "GET /api/reporter/ws", // needs an instance token, checked in the handler
  "GET /*", // static dashboard assets
  "POST /*",
]);

/**
 * `/api` paths that no route names. wrangler.toml sends every `/api/*` request to the Worker
 * (`run_worker_first`), so these reach the router's catch-all, which must refuse them too.
 * Other paths belong to the asset layer, which serves the public dashboard files.
 */
export const UNROUTED_API_PATHS: ReadonlyArray<{ method: string; path: string }> = [
  { method: "GET", path: "/api/no-such-route" },
  { method: "POST", path: "/api/instances/abc/no-such-action" },
  { method: "DELETE", path: "/api" },
];

export type RouteProbe = { method: string; pattern: string };

/** Returns every distinct method and path in the router; ALL entries become GET and POST. */
export function routesOf(router: Hono<never> | { routes: ReadonlyArray<{ method: string; path: string }> }): RouteProbe[] {
  const seen = new Set<string>();
  const probes: RouteProbe[] = [];
  for (const route of router.routes) {
    const methods = route.method === "ALL" ? ["GET", "POST"] : [route.method];
    for (const method of methods) {
      const key = `${method} ${route.path}`;
      if (!seen.has(key)) {
        seen.add(key);
        probes.push({ method, pattern: route.path });
      }
    }
  }
  return probes;
}

/** Fills path parameters and wildcards with values of the right shape. */
export function concretePath(pattern: string): string {
  return pattern
    .replace(/:name\b/g, "civitai_token")
    .replace(/:[a-z_]+/gi, "0123456789abcdef")
    .replace(/\*/g, "anything");
}

export type Fetcher = (request: Request) => Promise<Response>;

async function firstFrameAndClose(ws: WebSocket): Promise<{ text: string; code: number }> {
  ws.accept();
  return new Promise((resolve) => {
    let text = "";
    const timer = setTimeout(() => resolve({ text, code: -1 }), 3_000);
    ws.addEventListener("message", (event) => {
      text = typeof event.data === "string" ? event.data : "";
    });
    ws.addEventListener("close", (event) => {
      clearTimeout(timer);
      resolve({ text, code: event.code });
    });
  });
}

/**
 * Sends `method path` without credentials, as a plain request and (for GET) as a socket upgrade.
 * Returns null when both were refused as unauthorized, else what came back.
 */
export async function anonymousOutcome(fetcher: Fetcher, method: string, path: string): Promise<string | null> {
  const hasBody = !["GET", "HEAD"].includes(method);
  const plain = await fetcher(
    new Request(`${ORIGIN}${path}`, { method, headers: hasBody ? { "Content-Type": "application/json" } : {}, body: hasBody ? "{}" : undefined }),
  );
  await plain.body?.cancel();
  if (plain.status !== 401) {
    return `plain ${method} answered ${plain.status}`;
  }
  if (method !== "GET") {
    return null;
  }

  const upgrade = await fetcher(new Request(`${ORIGIN}${path}`, { headers: { Upgrade: "websocket" } }));
  if (upgrade.webSocket === null) {
    return upgrade.status === 401 ? null : `upgrade answered ${upgrade.status}`;
  }
  const { text, code } = await firstFrameAndClose(upgrade.webSocket);
  return code === APP_CLOSE_CODE && text.includes('"unauthorized"') ? null : `upgrade opened a socket (close ${code}, first frame ${text.slice(0, 80)})`;
}

/** Returns "METHOD pattern: outcome" for every route outside the anonymous list that did not refuse. */
export async function unprotectedRoutes(router: { routes: ReadonlyArray<{ method: string; path: string }> }, fetcher: Fetcher): Promise<string[]> {
  const failures: string[] = [];
  for (const { method, pattern } of routesOf(router)) {
    if (ANONYMOUS_ROUTES.has(`${method} ${pattern}`)) {
      continue;
    }
    const outcome = await anonymousOutcome(fetcher, method, concretePath(pattern));
    if (outcome !== null) {
      failures.push(`${method} ${pattern}: ${outcome}`);
    }
  }
  return failures;
}
