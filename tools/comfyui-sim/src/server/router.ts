/** Path matching like aiohttp's: `{name}` is one segment; each route also exists under `/api`. */
import type { Handler, RouteDef } from "./context.js";

interface CompiledRoute {
  method: string;
  segments: string[];
  handler: Handler;
}

export type Match = { kind: "found"; handler: Handler; params: Record<string, string> } | { kind: "method"; allowed: string[] } | { kind: "none" };

export class Router {
  private readonly routes: CompiledRoute[] = [];

  constructor(definitions: RouteDef[]) {
    for (const definition of definitions) {
      const paths = definition.internal === true ? [definition.path] : [definition.path, `/api${definition.path}`];
      for (const path of paths) {
        this.routes.push({ method: definition.method, segments: path.split("/").slice(1), handler: definition.handler });
      }
    }
  }

  /** Matches decoded path segments; HEAD is served by GET routes as aiohttp does. */
  match(method: string, segments: string[]): Match {
    const allowed = new Set<string>();
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (params === null) {
        continue;
      }
      if (route.method === method || (method === "HEAD" && route.method === "GET")) {
        return { kind: "found", handler: route.handler, params };
      }
      allowed.add(route.method);
      if (route.method === "GET") {
        allowed.add("HEAD");
      }
    }
    return allowed.size > 0 ? { kind: "method", allowed: [...allowed].sort() } : { kind: "none" };
  }
}

function matchSegments(pattern: string[], segments: string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) {
    return null;
  }
  const params: Record<string, string> = {};
  for (let index = 0; index < pattern.length; index += 1) {
    const expected = pattern[index] ?? "";
    const actual = segments[index] ?? "";
    if (expected.startsWith("{") && expected.endsWith("}")) {
      if (actual === "") {
        return null;
      }
      params[expected.slice(1, -1)] = actual;
    } else if (expected !== actual) {
      return null;
    }
  }
  return params;
}
