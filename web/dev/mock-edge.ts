import { randomBytes, randomUUID } from "node:crypto";

import { browserMessageSchema, commandRequestSchema, parseFrame, parseValue } from "@comfycarry/shared";
import { WebSocketServer } from "ws";

import { exampleOverview, MockInstance } from "./mock-instance";

import type { EdgeToBrowserMessage, ErrorCode } from "@comfycarry/shared";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";

// A stand-in for the edge while developing the dashboard: the routes and the browser
// socket of the edge API, served from memory. Used only by `vite dev`/`vite preview`.

/** Options for the mock edge. */
export interface MockEdgeOptions {
  /** The dashboard password. */
  password: string;
  /** Serve a second, offline instance so the fleet page shows a list. */
  secondInstance: boolean;
}

/** The mock edge: an HTTP handler for /api and /__mock, and an upgrade handler for sockets. */
export interface MockEdge {
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): void;
}

const SESSION_COOKIE = "cc_session";

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, code: ErrorCode, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  }
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    return value;
  } catch {
    return null;
  }
}

function sessionOf(req: IncomingMessage): string | null {
  const cookies = req.headers.cookie ?? "";
  const match = cookies.split(/;\s*/).find((part) => part.startsWith(`${SESSION_COOKIE}=`));
  return match === undefined ? null : match.slice(SESSION_COOKIE.length + 1);
}

/** Creates the mock edge with its simulated instances running. */
export function createMockEdge(options: MockEdgeOptions): MockEdge {
  const sessions = new Set<string>();
  const live = new MockInstance("studio-4090", "studio-4090", exampleOverview(), true);
  const instances = new Map<string, MockInstance>([[live.id, live]]);
  if (options.secondInstance) {
    const old = exampleOverview();
    const capturedAt = new Date(Date.now() - 2 * 3600_000).toISOString();
    const spare = { ...old, captured_at: capturedAt, comfyui: { ...old.comfyui, current: null, current_node: null, progress: null, queue_running: 0 } };
    instances.set("spare-h100", new MockInstance("spare-h100", "spare-h100", spare, false));
  }
  live.start();

  const authed = (req: IncomingMessage) => {
    const session = sessionOf(req);
    return session !== null && sessions.has(session);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://mock.local");
    const path = url.pathname;
    if (!path.startsWith("/api/") && !path.startsWith("/__mock/")) {
      return false;
    }

    if (path === "/api/health") {
      sendJson(res, 200, { ok: true, version: "mock", protocol_version: 1, time: new Date().toISOString() });
      return true;
    }

    if (path === "/api/auth/login" && req.method === "POST") {
      const body = await readBody(req);
      const password = typeof body === "object" && body !== null && "password" in body ? body.password : null;
      if (password !== options.password) {
        sendError(res, 401, "unauthorized", "wrong password");
        return true;
      }
      const session = randomBytes(16).toString("hex");
      sessions.add(session);
      res.setHeader("set-cookie", `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Lax; Path=/`);
      res.statusCode = 204;
      res.end();
      return true;
    }

    if (path === "/api/auth/logout" && req.method === "POST") {
      const session = sessionOf(req);
      if (session !== null) {
        sessions.delete(session);
      }
      res.setHeader("set-cookie", `${SESSION_COOKIE}=; Max-Age=0; Path=/`);
      res.statusCode = 204;
      res.end();
      return true;
    }

    if (!authed(req)) {
      sendError(res, 401, "unauthorized", "no valid session");
      return true;
    }

    if (path === "/api/auth/session") {
      sendJson(res, 200, { authenticated: true, expires_at: new Date(Date.now() + 86400_000).toISOString() });
      return true;
    }

    if (path === "/api/instances" && req.method === "GET") {
      const list = [...instances.values()].map((instance) => {
        const overview = instance.overview();
        return { instance_id: instance.id, name: instance.name, online: overview.online, last_seen_at: overview.last_seen_at, snapshot: overview.snapshot };
      });
      sendJson(res, 200, { instances: list });
      return true;
    }

    // Dev controls: take the live instance's reporter off line and back.
    if (path === "/__mock/reporter" && req.method === "POST") {
      live.setOnline(url.searchParams.get("online") !== "false");
      sendJson(res, 200, { online: live.online });
      return true;
    }

    const match = /^\/api\/instances\/([a-z0-9-]+)\/(overview|commands)$/.exec(path);
    const instance = match?.[1] === undefined ? undefined : instances.get(match[1]);
    if (match === null || instance === undefined) {
      sendError(res, 404, "not_found", `no route or instance for ${path}`);
      return true;
    }

    if (match[2] === "overview") {
      sendJson(res, 200, instance.overview());
      return true;
    }

    const parsed = parseValue(commandRequestSchema, await readBody(req));
    if (!parsed.ok) {
      sendError(res, 400, "invalid_message", parsed.issues);
      return true;
    }
    if (!instance.online) {
      sendError(res, 503, "instance_offline", `instance offline since ${instance.offlineSince ?? "unknown"}`);
      return true;
    }

    const args = parsed.value.args;
    const name = typeof args === "object" && args !== null && "name" in args && typeof args.name === "string" ? args.name : "";
    const verb = parsed.value.name.startsWith("service.") ? parsed.value.name.slice("service.".length) : null;
    const commandId = randomUUID();
    await new Promise((resolve) => setTimeout(resolve, 400));
    const result = verb === "start" || verb === "stop" || verb === "restart" ? instance.serviceCommand(verb, name) : null;
    sendJson(
      res,
      200,
      result === null
        ? { command_id: commandId, ok: false, error: { code: "service_not_found", message: `no PM2 service named "${name}"` } }
        : { command_id: commandId, ok: true, data: result },
    );
    return true;
  }

  const wss = new WebSocketServer({ noServer: true });

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = new URL(req.url ?? "/", "http://mock.local").pathname;
    const match = /^\/api\/instances\/([a-z0-9-]+)\/ws$/.exec(path);
    if (match === null) {
      return false;
    }

    const instance = match[1] === undefined ? undefined : instances.get(match[1]);
    if (!authed(req) || instance === undefined) {
      socket.end(`HTTP/1.1 ${instance === undefined ? "404 Not Found" : "401 Unauthorized"}\r\nConnection: close\r\n\r\n`);
      return true;
    }

    wss.handleUpgrade(req, socket, head, (ws) => {
      const send = (frame: EdgeToBrowserMessage) => ws.send(JSON.stringify(frame));
      send({ type: "overview", overview: instance.overview() });
      const unsubscribe = instance.subscribe({
        overview: (overview) => send({ type: "overview", overview }),
        event: (event) => send({ type: "event", instance_id: instance.id, event }),
      });
      ws.on("message", (data) => {
        const frame = parseFrame(browserMessageSchema, String(data));
        if (!frame.ok) {
          send({ type: "error", request_id: null, error: { code: "invalid_message", message: frame.issues } });
        } else if (frame.value.type === "ping") {
          send({ type: "pong" });
        }
      });
      ws.on("close", unsubscribe);
    });
    return true;
  }

  return {
    handle,
    upgrade,
    close: () => {
      for (const instance of instances.values()) {
        instance.stop();
      }
      wss.close();
    },
  };
}
