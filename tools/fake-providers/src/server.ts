/**
 * @module One loopback HTTP server that fakes the two provider APIs the edge calls: reading an
 * instance's hourly price and stopping it. The shapes follow the providers' documented
 * responses (vast.ai `GET/PUT /api/v0/instances/{id}/`, RunPod `GET /v1/pods/{id}` and
 * `POST /v1/pods/{id}/stop`), trimmed to the fields ComfyCarry reads.
 */
import { once } from "node:events";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** One rented machine registered with the fake, under either provider. */
export interface FakeMachine {
  id: string;
  /** Price in US dollars per hour. */
  dollarsPerHour: number;
  /** `running` until a stop request arrives. */
  state: "running" | "stopped";
}

/** One request the fake received, for tests that count stop calls. */
export interface ProviderRequest {
  provider: "vast" | "runpod";
  method: string;
  path: string;
  /** Whether the request carried the configured API key as a Bearer token. */
  authorized: boolean;
  status: number;
}

export interface FakeProvidersOptions {
  /** API key each provider expects as `Authorization: Bearer <key>`. */
  vastApiKey?: string;
  runpodApiKey?: string;
  /** Number of first requests that get HTTP 500, to exercise retries. */
  failFirst?: number;
}

const VAST_INSTANCE = /^\/api\/v0\/instances\/(\d+)\/?$/;
const RUNPOD_POD = /^\/v1\/pods\/([A-Za-z0-9_-]+)$/;
const RUNPOD_STOP = /^\/v1\/pods\/([A-Za-z0-9_-]+)\/stop$/;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The fake vast.ai and RunPod APIs on one 127.0.0.1 port. */
export class FakeProviders {
  readonly vast = new Map<string, FakeMachine>();
  readonly runpod = new Map<string, FakeMachine>();
  readonly requests: ProviderRequest[] = [];
  #server: Server | null = null;
  #origin = "";
  #failuresLeft: number;

  constructor(private readonly options: FakeProvidersOptions = {}) {
    this.#failuresLeft = options.failFirst ?? 0;
  }

  /** Base URL for the vast.ai client, e.g. `http://127.0.0.1:PORT/vast`. */
  get vastBaseUrl(): string {
    return `${this.#origin}/vast`;
  }

  /** Base URL for the RunPod client, e.g. `http://127.0.0.1:PORT/runpod`. */
  get runpodBaseUrl(): string {
    return `${this.#origin}/runpod`;
  }

  /** Starts listening on a free loopback port. */
  async start(): Promise<void> {
    const server = createServer((req, res) => {
      void this.#handle(req, res).catch((error: unknown) => {
        sendJson(res, 500, { error: String(error) });
      });
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    this.#origin = `http://127.0.0.1:${port}`;
    this.#server = server;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (server === null) {
      return;
    }
    this.#server = null;
    server.closeAllConnections();
    server.close();
    await once(server, "close");
  }

  /** Counts the stop requests that reached `id` under `provider` and were accepted. */
  stopCalls(provider: "vast" | "runpod", id: string): number {
    const stopPath = provider === "vast" ? `/api/v0/instances/${id}/` : `/v1/pods/${id}/stop`;
    return this.requests.filter((request) => request.provider === provider && request.path === stopPath && request.method !== "GET" && request.status === 200).length;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const provider = url.pathname.startsWith("/vast/") ? "vast" : url.pathname.startsWith("/runpod/") ? "runpod" : null;
    if (provider === null) {
      sendJson(res, 404, { error: `no fake provider under ${url.pathname}; use /vast or /runpod` });
      return;
    }
    const path = url.pathname.slice(provider.length + 1);
    const expected = provider === "vast" ? this.options.vastApiKey : this.options.runpodApiKey;
    const authorized = expected === undefined || req.headers.authorization === `Bearer ${expected}`;
    const record = (status: number): void => {
      this.requests.push({ provider, method: req.method ?? "", path, authorized, status });
    };

    if (this.#failuresLeft > 0) {
      this.#failuresLeft -= 1;
      record(500);
      sendJson(res, 500, { error: "injected failure" });
      return;
    }
    if (!authorized) {
      record(401);
      sendJson(res, 401, provider === "vast" ? { success: false, error: "invalid_api_key", msg: "Invalid API key" } : { error: "Unauthorized" });
      return;
    }

    const body = req.method === "GET" ? "" : await readBody(req);
    const [status, payload] = provider === "vast" ? this.#vast(req.method ?? "", path, body) : this.#runpod(req.method ?? "", path);
    record(status);
    sendJson(res, status, payload);
  }

  #vast(method: string, path: string, body: string): [number, unknown] {
    const id = VAST_INSTANCE.exec(path)?.[1];
    const machine = id === undefined ? undefined : this.vast.get(id);
    if (machine === undefined) {
      return [404, { success: false, error: "no_such_instance", msg: `instance ${id ?? path} not found` }];
    }
    if (method === "GET") {
      return [200, { instances: { id: Number(machine.id), actual_status: machine.state, intended_status: machine.state, dph_total: machine.dollarsPerHour } }];
    }
    if (method === "PUT") {
      let state: unknown;
      try {
        state = (JSON.parse(body) as { state?: unknown }).state;
      } catch {
        state = undefined;
      }
      if (state !== "stopped" && state !== "running") {
        return [400, { success: false, error: "invalid_args", msg: "body must be {\"state\": \"stopped\"} or {\"state\": \"running\"}" }];
      }
      machine.state = state;
      return [200, { success: true }];
    }
    return [405, { success: false, error: "method_not_allowed", msg: `${method} is not allowed here` }];
  }

  #runpod(method: string, path: string): [number, unknown] {
    const stopId = RUNPOD_STOP.exec(path)?.[1];
    if (stopId !== undefined && method === "POST") {
      const machine = this.runpod.get(stopId);
      if (machine === undefined) {
        return [404, { error: `pod ${stopId} not found` }];
      }
      machine.state = "stopped";
      return [200, { id: machine.id, desiredStatus: "EXITED" }];
    }
    const podId = RUNPOD_POD.exec(path)?.[1];
    if (podId !== undefined && method === "GET") {
      const machine = this.runpod.get(podId);
      if (machine === undefined) {
        return [404, { error: `pod ${podId} not found` }];
      }
      // RunPod documents costPerHr as a decimal string and adjustedCostPerHr as a number.
      return [200, { id: machine.id, costPerHr: machine.dollarsPerHour.toFixed(2), adjustedCostPerHr: machine.dollarsPerHour, desiredStatus: machine.state === "running" ? "RUNNING" : "EXITED" }];
    }
    return [404, { error: `no route ${method} ${path}` }];
  }
}
