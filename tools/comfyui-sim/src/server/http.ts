/** The HTTP and WebSocket server: routing, middlewares, error pages and the `/ws` upgrade. */
import { readFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Duplex } from "node:stream";

import { WebSocketServer } from "ws";

import { simConsole } from "../log/logger.js";
import { PyError } from "../py/value.js";
import type { AppContext, RouteDef } from "./context.js";
import { applyCacheControl, applyCompression, applyCors, checkOrigin } from "./middleware.js";
import { BodyTooLargeError, SimRequest } from "./request.js";
import { empty, internalError, methodNotAllowed, notFound, text, type SimResponse } from "./respond.js";
import { Router } from "./router.js";

// aiohttp names itself in every response, so the simulator sends the same Server header.
const SERVER_HEADER = "Python/3.12 aiohttp/3.12.15";

function segmentsOf(rawUrl: string | undefined): string[] {
  const pathname = new URL(rawUrl ?? "/", "http://localhost").pathname;
  return pathname
    .split("/")
    .slice(1)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    });
}

export class SimServer {
  private readonly router: Router;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly servers: Server[] = [];

  constructor(
    private readonly app: AppContext,
    routes: RouteDef[],
  ) {
    this.router = new Router(routes);
  }

  private async handle(raw: IncomingMessage): Promise<SimResponse> {
    const request = new SimRequest(raw, this.app.config.maxUploadBytes);
    const cors = this.app.config.corsOrigin;
    if (cors === null) {
      const blocked = await checkOrigin(request.header("host"), request.header("origin"));
      if (blocked !== null) {
        return blocked;
      }
    }
    if (request.method === "OPTIONS") {
      return empty(200);
    }

    const match = this.router.match(request.method, segmentsOf(raw.url));
    if (match.kind === "none") {
      return request.method === "GET" || request.method === "HEAD" ? notFound() : methodNotAllowed(["GET", "HEAD"]);
    }
    if (match.kind === "method") {
      return methodNotAllowed(match.allowed);
    }
    try {
      return await match.handler(request, match.params, this.app);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        return text(error.message, 413);
      }
      const detail = error instanceof PyError ? `${error.pyType}: ${error.pyMessage}` : error instanceof Error ? (error.stack ?? error.message) : String(error);
      simConsole.error(`Error handling request\nTraceback (most recent call last):\n${detail}`);
      return internalError();
    }
  }

  private async respond(raw: IncomingMessage, response: ServerResponse): Promise<void> {
    const result = await this.handle(raw);
    const path = new URL(raw.url ?? "/", "http://localhost").pathname;
    applyCacheControl(path, result);
    applyCompression(this.app.config, raw.headers["accept-encoding"], result);
    if (this.app.config.corsOrigin !== null) {
      applyCors(result, this.app.config.corsOrigin);
    }
    response.writeHead(result.status, { ...result.headers, "Content-Length": String(result.body.length), Server: SERVER_HEADER });
    response.end(raw.method === "HEAD" ? undefined : result.body);
  }

  private async upgrade(raw: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const segments = segmentsOf(raw.url);
    const isSocketPath = (segments.length === 1 && segments[0] === "ws") || (segments.length === 2 && segments[0] === "api" && segments[1] === "ws");
    const blocked = this.app.config.corsOrigin === null ? await checkOrigin(raw.headers.host, raw.headers.origin) : null;
    if (!isSocketPath || blocked !== null) {
      const status = blocked !== null ? "403 Forbidden" : "404 Not Found";
      const body = blocked !== null ? "" : "404: Not Found";
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: ${blocked !== null ? "application/octet-stream" : "text/plain; charset=utf-8"}\r\nContent-Length: ${body.length}\r\nServer: ${SERVER_HEADER}\r\nConnection: close\r\n\r\n${body}`);
      return;
    }
    this.wss.handleUpgrade(raw, socket, head, (ws) => this.app.hub.accept(ws, raw));
  }

  /** Binds one address; resolves once the port accepts connections. */
  async listen(host: string, port: number): Promise<number> {
    const tls = this.app.config.tls;
    const listener = (raw: IncomingMessage, response: ServerResponse): void => {
      this.respond(raw, response).catch((error: unknown) => {
        simConsole.error(`Error handling request: ${String(error)}`);
        response.destroy();
      });
    };
    const server = tls === null ? createHttpServer(listener) : createHttpsServer({ key: readFileSync(tls.key), cert: readFileSync(tls.cert) }, listener);
    server.on("upgrade", (raw: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.upgrade(raw, socket, head).catch(() => socket.destroy());
    });
    this.servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host, port, ipv6Only: host.includes(":") }, () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    return typeof address === "object" && address !== null ? address.port : port;
  }

  close(): void {
    this.app.hub.closeAll();
    for (const server of this.servers) {
      server.close();
      server.closeAllConnections();
    }
  }
}
