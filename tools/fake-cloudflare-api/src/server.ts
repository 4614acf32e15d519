/**
 * The fake Cloudflare API on 127.0.0.1: the v4 envelope under /client/v4, Bearer tokens with
 * permission sets, a per-token rate limit, injected faults and a log of every request.
 * `/client/v4/__fake/connectors/{tunnel_id}` (POST connect, DELETE disconnect) lets the fake
 * cloudflared report its connections and fetch its remote configuration.
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

import { dnsRoutes } from "./dns.js";
import { ApiFailure, AUTH_ERROR, INVALID_TOKEN, sendFailure, sendResult } from "./envelope.js";
import { holds, match } from "./router.js";
import type { Route } from "./router.js";
import { FakeCloudflareStore } from "./store.js";
import type { FakeToken } from "./store.js";
import { tunnelRoutes } from "./tunnels.js";

export interface RecordedRequest {
  method: string;
  path: string;
  status: number;
}

/** A fault the next matching request gets instead of its normal response. */
export interface Fault {
  /** Only requests whose path contains this text; any path when absent. */
  pathIncludes?: string;
  status: number;
  /** Sent as text/html, so clients meet a body that is not JSON. */
  html?: string;
  /** Drops the connection without a response. */
  drop?: boolean;
}

export interface FakeCloudflareApi {
  /** Base URL including /client/v4, e.g. `http://127.0.0.1:PORT/client/v4`. */
  url: string;
  store: FakeCloudflareStore;
  requests: RecordedRequest[];
  /** Queues a fault for the next matching request. */
  injectFault(fault: Fault): void;
  close(): Promise<void>;
}

export interface FakeCloudflareApiOptions {
  /** Requests per token per window before 429; Cloudflare's budget is 1,200 per 5 minutes. */
  rateLimit?: { requests: number; windowMs: number };
}

const PREFIX = "/client/v4";

async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") {
    return null;
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiFailure(400, [{ code: 6007, message: "Malformed JSON in request body" }]);
  }
}

/** Reads the Bearer token: malformed ⇒ 400 6003/6111, missing ⇒ 400 1001, unknown ⇒ null. */
function authenticate(store: FakeCloudflareStore, header: string | undefined): FakeToken | null {
  if (header === undefined) {
    throw new ApiFailure(400, [{ code: 1001, message: 'Missing "Authorization" header' }]);
  }
  const found = /^Bearer ([A-Za-z0-9_-]+)$/.exec(header);
  if (found === null) {
    throw new ApiFailure(400, [{ code: 6003, message: "Invalid request headers", error_chain: [{ code: 6111, message: "Invalid format for Authorization header" }] }]);
  }
  const token = store.tokens.get(found[1] ?? "");
  return token === undefined || token.status !== "active" ? null : token;
}

function verifyRoutes(store: FakeCloudflareStore): Route[] {
  const valid = (token: FakeToken, response: ServerResponse): void =>
    sendResult(response, { id: token.id, status: token.status }, { messages: [{ code: 10000, message: "This API Token is valid and active", type: null }] });
  return [
    {
      method: "GET",
      pattern: "/user/tokens/verify",
      permission: null,
      handle: ({ token, response }) => {
        if (token === null || token.owner !== "user") {
          throw INVALID_TOKEN();
        }
        valid(token, response);
      },
    },
    {
      method: "GET",
      pattern: "/accounts/(?<account>[0-9a-f]{32})/tokens/verify",
      permission: null,
      handle: ({ token, params, response }) => {
        if (token === null || token.owner !== "account" || params["account"] !== store.accountId) {
          throw INVALID_TOKEN();
        }
        valid(token, response);
      },
    },
  ];
}

/** Handles the fake cloudflared's connect and disconnect reports; no token, as on the real edge. */
function connectorRoute(store: FakeCloudflareStore, path: string, method: string, response: ServerResponse): boolean {
  const found = /^\/__fake\/connectors\/([0-9a-f-]{36})$/.exec(path);
  if (found === null) {
    return false;
  }
  const tunnel = store.tunnels.find((candidate) => candidate.id === found[1] && candidate.deletedAt === null);
  if (tunnel === undefined) {
    response.writeHead(404).end();
    return true;
  }
  const now = new Date().toISOString();
  if (method === "DELETE") {
    tunnel.connected = false;
    tunnel.disconnectedAt = now;
  } else {
    tunnel.connected = true;
    tunnel.connectedAt = now;
  }
  response.writeHead(200, { "Content-Type": "application/json" });
  response.end(JSON.stringify({ version: tunnel.configVersion, config: tunnel.config }));
  return true;
}

/** Starts the fake on 127.0.0.1 with a port the OS picks. */
export async function startFakeCloudflareApi(options: FakeCloudflareApiOptions = {}, store = new FakeCloudflareStore()): Promise<FakeCloudflareApi> {
  const routes = [...verifyRoutes(store), ...tunnelRoutes(store), ...dnsRoutes(store)];
  const requests: RecordedRequest[] = [];
  const faults: Fault[] = [];
  const budget = new Map<string, { start: number; used: number }>();

  const checkRate = (token: string): void => {
    if (options.rateLimit === undefined) {
      return;
    }
    const now = Date.now();
    const entry = budget.get(token);
    const window = entry === undefined || now - entry.start >= options.rateLimit.windowMs ? { start: now, used: 0 } : entry;
    window.used += 1;
    budget.set(token, window);
    if (window.used > options.rateLimit.requests) {
      const retryAfter = Math.ceil((window.start + options.rateLimit.windowMs - now) / 1000);
      throw new ApiFailure(429, [{ code: 971, message: "Please wait and consider throttling your request speed" }], { "Retry-After": String(retryAfter) });
    }
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? "/", "http://fake");
    const method = request.method ?? "GET";
    response.on("finish", () => requests.push({ method, path: `${url.pathname}${url.search}`, status: response.statusCode }));
    if (!url.pathname.startsWith(PREFIX)) {
      response.writeHead(404).end();
      return;
    }
    const path = url.pathname.slice(PREFIX.length);
    if (connectorRoute(store, path, method, response)) {
      return;
    }

    const faultIndex = faults.findIndex((fault) => fault.pathIncludes === undefined || path.includes(fault.pathIncludes));
    const fault = faultIndex === -1 ? undefined : faults.splice(faultIndex, 1)[0];
    if (fault?.drop === true) {
      request.socket.destroy();
      return;
    }
    if (fault !== undefined) {
      response.writeHead(fault.status, { "Content-Type": "text/html" });
      response.end(fault.html ?? `<html><body><h1>${fault.status}</h1></body></html>`);
      return;
    }

    try {
      const token = authenticate(store, request.headers.authorization);
      checkRate(token?.value ?? request.headers.authorization ?? "");
      const found = match(routes, method, path);
      if (found === null) {
        throw new ApiFailure(404, [{ code: 7003, message: "Could not route to " + path + ", perhaps your object identifier is invalid?" }]);
      }
      const { route, params } = found;
      if (route.permission !== null) {
        if (token === null) {
          throw AUTH_ERROR(401);
        }
        const accountMismatch = params["account"] !== undefined && params["account"] !== store.accountId;
        if (!holds(token, route.permission) || accountMismatch) {
          throw AUTH_ERROR(403);
        }
      }
      const body = method === "GET" || method === "DELETE" ? null : await readJson(request);
      route.handle({ params, query: url.searchParams, body, token, response });
    } catch (error) {
      if (error instanceof ApiFailure) {
        sendFailure(response, error);
        return;
      }
      throw error;
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { "Content-Type": "application/json" });
      response.end(JSON.stringify({ success: false, errors: [{ code: 10001, message: String(error) }], messages: [], result: null }));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${PREFIX}`,
    store,
    requests,
    injectFault: (fault) => faults.push(fault),
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
