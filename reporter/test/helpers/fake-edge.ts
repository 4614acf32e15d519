import type { IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

import { WebSocketServer } from "ws";
import type WebSocket from "ws";

import { PROTOCOL_VERSION, parseFrame, reporterMessageSchema, toUtcTimestamp } from "@comfycarry/shared";
import type { EdgeToReporterMessage, ReporterMessage } from "@comfycarry/shared";

import { rawText } from "../../src/link/edge-link.js";

/** One reporter connection as the fake edge saw it. */
export interface EdgeConnection {
  socket: WebSocket;
  headers: IncomingHttpHeaders;
  frames: ReporterMessage[];
  /** Every text frame exactly as received. */
  raw: string[];
  invalid: string[];
  send(message: EdgeToReporterMessage): void;
}

export interface FakeEdgeOptions {
  /** HTTP status to reject upgrades with; null accepts them. */
  rejectStatus?: () => number | null;
  /** Viewers in the welcome; null sends no welcome. */
  welcomeViewers?: number | null;
  /** `features` of the welcome; absent like an older edge when unset. */
  features?: string[];
}

/** A minimal edge on 127.0.0.1 that records reporter frames and answers hello with welcome. */
export class FakeEdge {
  readonly connections: EdgeConnection[] = [];
  readonly #server: WebSocketServer;
  readonly #options: FakeEdgeOptions;

  private constructor(server: WebSocketServer, options: FakeEdgeOptions) {
    this.#server = server;
    this.#options = options;
    server.on("connection", (socket, request) => this.#accept(socket, request.headers));
  }

  static async start(options: FakeEdgeOptions = {}): Promise<FakeEdge> {
    const server = await new Promise<WebSocketServer>((resolve) => {
      const created: WebSocketServer = new WebSocketServer(
        {
          host: "127.0.0.1",
          port: 0,
          verifyClient: (_info, done) => {
            const status = options.rejectStatus?.() ?? null;
            if (status === null) {
              done(true);
            } else {
              done(false, status);
            }
          },
        },
        () => resolve(created),
      );
    });
    return new FakeEdge(server, options);
  }

  get url(): string {
    const address = this.#server.address() as AddressInfo;
    return `ws://127.0.0.1:${address.port}/api/reporter/ws`;
  }

  /** The latest connection; throws when none arrived yet. */
  get last(): EdgeConnection {
    const connection = this.connections.at(-1);
    if (connection === undefined) {
      throw new Error("no reporter connected to the fake edge yet");
    }
    return connection;
  }

  /** Every frame of `type` received on any connection. */
  framesOf<T extends ReporterMessage["type"]>(type: T): Extract<ReporterMessage, { type: T }>[] {
    return this.connections.flatMap((connection) =>
      connection.frames.filter((frame): frame is Extract<ReporterMessage, { type: T }> => frame.type === type),
    );
  }

  async close(): Promise<void> {
    for (const client of this.#server.clients) {
      client.terminate();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(socket: WebSocket, headers: IncomingHttpHeaders): void {
    const connection: EdgeConnection = {
      socket,
      headers,
      frames: [],
      raw: [],
      invalid: [],
      send: (message) => socket.send(JSON.stringify(message)),
    };
    this.connections.push(connection);

    socket.on("message", (data) => {
      const text = rawText(data);
      connection.raw.push(text);
      const parsed = parseFrame(reporterMessageSchema, text);
      if (!parsed.ok) {
        connection.invalid.push(parsed.issues);
        return;
      }
      connection.frames.push(parsed.value);

      // One viewer unless a test sets another count, because an unwatched reporter leaves out
      // the live events (progress, logs) that most tests wait for.
      const viewers = this.#options.welcomeViewers === undefined ? 1 : this.#options.welcomeViewers;
      if (parsed.value.type === "hello" && viewers !== null) {
        connection.send({
          type: "welcome",
          protocol_version: PROTOCOL_VERSION,
          instance_id: parsed.value.instance_id,
          viewers,
          server_time: toUtcTimestamp(),
          ...(this.#options.features === undefined ? {} : { features: this.#options.features }),
        });
      }
      if (parsed.value.type === "ping") {
        connection.send({ type: "pong", at: toUtcTimestamp() });
      }
    });
  }
}

/** Polls `check` until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
