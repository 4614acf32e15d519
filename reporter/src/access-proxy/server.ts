import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";

import { WebSocketServer } from "ws";

import { forwardThroughGate } from "../comfyui/proxy/gated-forward.js";
import { forwardRawUpgrade, forwardRequest } from "../comfyui/proxy/http-forward.js";
import { relayComfyuiSocket } from "../comfyui/proxy/ws-relay.js";
import type { Logger } from "../log/logger.js";
import type { GatePrompt } from "../workflows/on-demand/http-gate.js";
import { publishAccessProxyAddress } from "./address.js";
import { handleLogin, handleLogout } from "./login.js";
import { acceptsConnections } from "./reachability.js";
import { identify, isCrossSite } from "./request-auth.js";
import type { Identity } from "./request-auth.js";
import { redirectToDashboard, rejectUpgrade, sendError } from "./responses.js";
import { OWN_ROUTES_ROOT, proxyRoutes } from "./routes.js";
import type { ProxyRoutes } from "./routes.js";
import { serviceForHost, serviceTarget } from "./services.js";
import type { AccessService } from "./services.js";
import type { SessionStore } from "./sessions.js";
import { isPageNavigation, sendStartingPage } from "./starting-page.js";
import type { TicketVerifier } from "./ticket.js";
import type { TokenChecker } from "./token-check.js";

export interface AccessProxyOptions {
  /** ComfyUI's base URL, e.g. http://127.0.0.1:8188. */
  target: string;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** The instance's page on the dashboard, where browsers without a session are sent. */
  dashboardUrl: string;
  tickets: TicketVerifier;
  sessions: SessionStore;
  tokens: TokenChecker;
  log: Logger;
  /** Receives ComfyUI's socket frames and the graphs of prompts queued through the proxy, as for the observing proxy. */
  observe: (text: string, source: string) => void;
  /** Local services besides ComfyUI, read on every request. */
  services?: () => readonly AccessService[];
  /** ComfyCarry's own routes under /__cc/; the process-wide registry unless given. */
  routes?: ProxyRoutes;
  /** The on-demand model gate for `POST /prompt` to ComfyUI. Without it, prompts are forwarded unchecked. */
  gate?: GatePrompt | null;
}

const COMFYUI_SOCKET_PATHS = new Set(["/ws", "/api/ws"]);

/** Messages for each reason a request has no identity, naming what the caller should do. */
const REJECTION_MESSAGES: Record<Extract<Identity, { kind: "anonymous" }>["reason"], string> = {
  no_credentials: "sign in: open ComfyUI from the ComfyCarry dashboard, or send Authorization: Bearer <API token with the control scope>",
  session_expired: "the proxy session has expired or the reporter restarted; open ComfyUI from the ComfyCarry dashboard again",
  token_rejected: "this API token is unknown, revoked or lacks the control scope; create one under Settings → API tokens",
  edge_unreachable: "the edge cannot be reached to check this API token; retry later, or use an open dashboard session",
  rate_limited: "too many new API tokens in the last second; retry in a second",
};

/**
 * The login in front of ComfyUI and the user's other local services: every request needs a
 * proxy session (from a dashboard ticket) or an API token the edge accepts, and is then
 * forwarded with the observing proxy's streaming forwarders. Paths under /__cc/ go to
 * ComfyCarry's own routes. The tunnel points at this server, never at ComfyUI directly.
 */
export class AccessProxy {
  readonly #options: AccessProxyOptions;
  readonly #target: URL;
  readonly #log: Logger;
  readonly #routes: ProxyRoutes;
  readonly #server: Server;
  readonly #sockets = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  #nextSocket = 1;

  constructor(options: AccessProxyOptions) {
    this.#options = options;
    this.#target = new URL(options.target);
    this.#log = options.log.child({ component: "access-proxy" });
    this.#routes = options.routes ?? proxyRoutes;
    this.#server = createServer((request, response) => {
      this.#onRequest(request, response).catch((error: unknown) => {
        this.#log.error({ err: error, method: request.method, path: request.url }, "the access proxy failed to handle a request");
        if (!response.headersSent) {
          sendError(response, 500, "internal_error", "the access proxy failed; the reporter log has the details");
        } else {
          response.destroy();
        }
      });
    });
    this.#server.on("upgrade", (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.#onUpgrade(request, socket, head).catch((error: unknown) => {
        this.#log.error({ err: error, path: request.url }, "the access proxy failed to handle a socket upgrade");
        socket.destroy();
      });
    });
  }

  async #onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://proxy.invalid");
    const { tickets, sessions, dashboardUrl } = this.#options;
    if (url.pathname === "/__cc/login") {
      handleLogin(request, response, url, { tickets, sessions, dashboardUrl, log: this.#log });
      return;
    }
    if (url.pathname === "/__cc/logout") {
      handleLogout(request, response, sessions);
      return;
    }

    const identity = await this.#identify(request, url, false);
    if (identity.kind === "anonymous") {
      if (identity.reason === "rate_limited") {
        sendError(response, 429, "rate_limited", REJECTION_MESSAGES.rate_limited);
      } else if (isPageNavigation(request) && identity.reason !== "token_rejected") {
        redirectToDashboard(request, response, dashboardUrl);
      } else {
        sendError(response, 401, "unauthorized", REJECTION_MESSAGES[identity.reason]);
      }
      return;
    }
    if (identity.kind === "session" && isCrossSite(request, false)) {
      this.#log.warn({ origin: request.headers.origin, method: request.method, path: url.pathname }, "rejected a cross-site request with a proxy session");
      sendError(response, 403, "forbidden", `origin ${JSON.stringify(request.headers.origin)} may not send requests with this proxy session`);
      return;
    }

    if (url.pathname.startsWith(OWN_ROUTES_ROOT)) {
      await this.#serveOwnRoute(request, response, url);
      return;
    }
    const service = serviceForHost(request.headers.host, this.#options.services?.() ?? []);
    if (service !== null) {
      this.#forwardToService(request, response, service);
      return;
    }
    if (isPageNavigation(request) && !(await acceptsConnections(this.#target))) {
      sendStartingPage(request, response);
      return;
    }
    forwardThroughGate(request, response, { target: this.#target, log: this.#log, observe: this.#options.observe, gate: this.#options.gate ?? null });
  }

  async #onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", (error) => this.#log.debug({ err: error }, "client socket error during upgrade"));
    const url = new URL(request.url ?? "/", "http://proxy.invalid");
    const identity = await this.#identify(request, url, true);
    if (identity.kind === "anonymous") {
      if (identity.reason === "rate_limited") {
        rejectUpgrade(socket, 429, "Too Many Requests", "rate_limited", REJECTION_MESSAGES.rate_limited);
      } else {
        rejectUpgrade(socket, 401, "Unauthorized", "unauthorized", REJECTION_MESSAGES[identity.reason]);
      }
      return;
    }
    if (identity.kind === "session" && isCrossSite(request, true)) {
      this.#log.warn({ origin: request.headers.origin, path: url.pathname }, "rejected a cross-site socket with a proxy session");
      rejectUpgrade(socket, 403, "Forbidden", "forbidden", `origin ${JSON.stringify(request.headers.origin)} may not open sockets with this proxy session`);
      return;
    }

    const service = serviceForHost(request.headers.host, this.#options.services?.() ?? []);
    if (service !== null) {
      forwardRawUpgrade(request, socket, head, serviceTarget(service), this.#log);
      return;
    }
    if (!COMFYUI_SOCKET_PATHS.has(url.pathname)) {
      forwardRawUpgrade(request, socket, head, this.#target, this.#log);
      return;
    }
    relayComfyuiSocket(request, socket, head, {
      target: this.#target,
      server: this.#sockets,
      log: this.#log,
      observe: this.#options.observe,
      source: `access:${this.#nextSocket++}`,
    });
  }

  async #identify(request: IncomingMessage, url: URL, upgrade: boolean): Promise<Identity> {
    const identity = await identify(request, url, upgrade, this.#options.sessions, this.#options.tokens);
    // Requests without credentials are ordinary, and rate-limited ones are counted by the token checker.
    if (identity.kind === "anonymous" && identity.reason !== "no_credentials" && identity.reason !== "rate_limited") {
      this.#log.info({ reason: identity.reason, method: request.method, path: url.pathname }, "rejected an access proxy request");
    }
    return identity;
  }

  async #serveOwnRoute(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const handler = this.#routes.find(url.pathname);
    if (handler === null) {
      sendError(response, 404, "not_found", `no ComfyCarry route at ${url.pathname}`);
      return;
    }
    try {
      await handler(request, response);
    } catch (error) {
      this.#log.error({ err: error, method: request.method, path: url.pathname }, "a ComfyCarry route behind the access proxy failed");
      if (!response.headersSent) {
        sendError(response, 500, "internal_error", "the route failed; the reporter log has the details");
      } else {
        response.destroy();
      }
    }
  }

  #forwardToService(request: IncomingMessage, response: ServerResponse, service: AccessService): void {
    // NOTE: the forwarder speaks plain HTTP only, so an https service cannot be reached yet.
    if (service.protocol === "https") {
      sendError(response, 502, "comfyui_unreachable", `service ${service.name} uses https, which the access proxy cannot forward to yet; serve it over http on 127.0.0.1`);
      return;
    }
    forwardRequest(request, response, serviceTarget(service), this.#log, () => undefined);
  }

  /** Starts listening on 127.0.0.1, publishes the address for the tunnel and returns the port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#options.port, "127.0.0.1", () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    const port = this.port;
    publishAccessProxyAddress({ host: "127.0.0.1", port });
    this.#log.info({ port, target: this.#target.origin }, `access proxy listening on http://127.0.0.1:${port}`);
    return port;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Closes relayed sockets and stops listening. */
  async close(): Promise<void> {
    publishAccessProxyAddress(null);
    for (const client of this.#sockets.clients) {
      client.terminate();
    }
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
