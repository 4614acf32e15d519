import type { IncomingMessage, ServerResponse } from "node:http";

/** Serves one request under a registered prefix; the access proxy has already authenticated it. */
export type ProxyRouteHandler = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

/** Every ComfyCarry route inside the access proxy lives under this path. */
export const OWN_ROUTES_ROOT = "/__cc/";

/** Prefixes the access proxy serves itself (login, logout); features cannot take them. */
const RESERVED_PREFIXES = ["/__cc/login", "/__cc/logout"];

const PREFIX_PATTERN = /^\/__cc\/[a-z0-9][a-z0-9-]{0,62}\/$/;

/**
 * ComfyCarry's own HTTP routes behind the access proxy's login, e.g. gallery downloads. A
 * prefix such as `/__cc/gallery/` receives every request whose path starts with it. The handler
 * gets the original URL and must finish the response (or destroy it) itself.
 */
export class ProxyRoutes {
  readonly #handlers = new Map<string, ProxyRouteHandler>();

  /** Adds `handler` under `prefix` and returns a function that removes it again. */
  register(prefix: string, handler: ProxyRouteHandler): () => void {
    if (!PREFIX_PATTERN.test(prefix)) {
      throw new Error(`invalid proxy route prefix ${JSON.stringify(prefix)}: use one path segment of lower-case letters, digits or '-' between "/__cc/" and a trailing "/", e.g. "/__cc/gallery/"`);
    }
    if (RESERVED_PREFIXES.some((reserved) => prefix.startsWith(`${reserved}/`))) {
      throw new Error(`proxy route prefix ${prefix} is reserved for the access proxy itself; pick another name`);
    }
    if (this.#handlers.has(prefix)) {
      throw new Error(`proxy route prefix ${prefix} is already registered; unregister the first handler before adding another`);
    }

    this.#handlers.set(prefix, handler);
    return () => {
      if (this.#handlers.get(prefix) === handler) {
        this.#handlers.delete(prefix);
      }
    };
  }

  /** Returns the handler whose prefix starts `pathname`, or null. */
  find(pathname: string): ProxyRouteHandler | null {
    if (!pathname.startsWith(OWN_ROUTES_ROOT)) {
      return null;
    }
    const segmentEnd = pathname.indexOf("/", OWN_ROUTES_ROOT.length);
    const prefix = segmentEnd === -1 ? `${pathname}/` : pathname.slice(0, segmentEnd + 1);
    return this.#handlers.get(prefix) ?? null;
  }
}

/** The routes every access proxy in this process serves unless it is given its own registry. */
export const proxyRoutes = new ProxyRoutes();

/**
 * Adds a ComfyCarry route under `prefix` (e.g. `/__cc/gallery/`) to the access proxy, behind
 * the same login as ComfyUI. Returns a function that removes it.
 */
export function registerProxyRoute(prefix: string, handler: ProxyRouteHandler): () => void {
  return proxyRoutes.register(prefix, handler);
}
