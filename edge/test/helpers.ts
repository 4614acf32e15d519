/** Helpers for edge tests in workerd: HTTP calls through the Worker, sockets with frame queues, reporters. */
import { SELF } from "cloudflare:test";
import {
  PROTOCOL_VERSION,
  edgeToBrowserMessageSchema,
  edgeToReporterMessageSchema,
  overviewSchema,
  parseFrame,
  toUtcTimestamp,
} from "@comfycarry/shared";
import type { EdgeToBrowserMessage, EdgeToReporterMessage, Overview, ReporterMessage } from "@comfycarry/shared";
import type { z } from "zod";

import overviewExample from "../../shared/examples/overview.example.json";

export const ORIGIN = "https://edge.test";
export const PASSWORD = "correct horse battery staple";

/** Wait limit for one expected frame or close; far above what a local round trip takes. */
const WAIT_MS = 5_000;

type CallOptions = { method?: string; body?: unknown; cookie?: string | null; headers?: Record<string, string>; origin?: string | null };

/** Calls the Worker at `path` like a same-origin dashboard would: with `Origin` unless `origin` is null. */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  const origin = options.origin === undefined ? ORIGIN : options.origin;
  if (origin !== null && !headers.has("Origin")) {
    headers.set("Origin", origin);
  }
  if (options.cookie) {
    headers.set("Cookie", options.cookie);
  }
  let body: string | undefined;
  if (options.body !== undefined) {
    headers.set("Content-Type", "application/json");
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  }
  return SELF.fetch(`${ORIGIN}${path}`, { method: options.method ?? (body === undefined ? "GET" : "POST"), headers, body });
}

/** Logs in with the test password and returns the `Cookie` header value for later calls. */
export async function login(): Promise<string> {
  const response = await call("/api/auth/login", { body: { password: PASSWORD } });
  if (response.status !== 204) {
    throw new Error(`login failed with ${response.status}: ${await response.text()}`);
  }
  const setCookie = response.headers.get("Set-Cookie") ?? "";
  const pair = setCookie.split(";")[0];
  if (pair === undefined || !pair.startsWith("cc_session=")) {
    throw new Error(`login set no cc_session cookie: ${setCookie}`);
  }
  return pair;
}

/** Enrolls an instance with a unique name and returns its id and reporter token. */
export async function createInstance(cookie: string, name = `test ${crypto.randomUUID().slice(0, 8)}`): Promise<{ instance_id: string; token: string }> {
  const response = await call("/api/instances", { cookie, body: { name } });
  if (response.status !== 201) {
    throw new Error(`instance creation failed with ${response.status}: ${await response.text()}`);
  }
  return response.json();
}

function hasType<F extends { type: string }, T extends F["type"]>(frame: F, type: T): frame is Extract<F, { type: T }> {
  return frame.type === type;
}

/** A WebSocket from the Worker with a queue of parsed frames and the close event. */
export class SocketProbe<F extends { type: string }> {
  private readonly frames: F[] = [];
  private readonly unparsed: string[] = [];
  private wake: () => void = () => {};
  closeEvent: { code: number; reason: string } | null = null;

  constructor(
    readonly ws: WebSocket,
    schema: z.ZodType<F>,
  ) {
    ws.accept();
    ws.addEventListener("message", (event) => {
      const text = typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data);
      const parsed = parseFrame(schema, text);
      if (parsed.ok) {
        this.frames.push(parsed.value);
      } else {
        this.unparsed.push(`${parsed.issues} in ${text.slice(0, 200)}`);
      }
      this.wake();
    });
    ws.addEventListener("close", (event) => {
      this.closeEvent = { code: event.code, reason: event.reason };
      this.wake();
    });
  }

  private async waitFor<T>(what: string, check: () => T | undefined): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      if (this.unparsed.length > 0) {
        throw new Error(`received a frame that breaks the protocol schema: ${this.unparsed.join(" | ")}`);
      }
      const found = check();
      if (found !== undefined) {
        return found;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}; unread frames: ${this.frames.map((frame) => frame.type).join(", ") || "none"}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Removes and returns the first unread frame of `type` (and matching `filter`), waiting for it. */
  async next<T extends F["type"]>(type: T, filter: (frame: Extract<F, { type: T }>) => boolean = () => true): Promise<Extract<F, { type: T }>> {
    return this.waitFor(`a ${type} frame`, () => {
      for (const [index, frame] of this.frames.entries()) {
        if (hasType(frame, type) && filter(frame)) {
          this.frames.splice(index, 1);
          return frame;
        }
      }
      return undefined;
    });
  }

  /** Returns the types of frames received but not read yet. */
  unread(): string[] {
    return this.frames.map((frame) => frame.type);
  }

  /** Waits for the socket to close and returns the close code and reason. */
  async closed(): Promise<{ code: number; reason: string }> {
    return this.waitFor("the socket to close", () => this.closeEvent ?? undefined);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }
}

export type BrowserProbe = SocketProbe<EdgeToBrowserMessage>;
export type ReporterProbe = SocketProbe<EdgeToReporterMessage>;

async function upgrade(path: string, headers: Record<string, string>): Promise<WebSocket> {
  const response = await SELF.fetch(`${ORIGIN}${path}`, { headers: { Upgrade: "websocket", Origin: ORIGIN, ...headers } });
  if (response.webSocket === null) {
    throw new Error(`upgrade of ${path} answered ${response.status}: ${await response.text()}`);
  }
  return response.webSocket;
}

/** Opens a dashboard socket for `instanceId` with the session `cookie`. */
export async function openBrowser(instanceId: string, cookie: string | null, headers: Record<string, string> = {}): Promise<BrowserProbe> {
  const ws = await upgrade(`/api/instances/${instanceId}/ws`, cookie === null ? headers : { Cookie: cookie, ...headers });
  return new SocketProbe(ws, edgeToBrowserMessageSchema);
}

/** Opens a reporter socket with `token` without saying hello. */
export async function openReporter(token: string): Promise<ReporterProbe> {
  const ws = await upgrade("/api/reporter/ws", { Authorization: `Bearer ${token}` });
  return new SocketProbe(ws, edgeToReporterMessageSchema);
}

/** Builds a valid `hello` for `instanceId`. */
export function hello(instanceId: string, protocolVersion = PROTOCOL_VERSION): ReporterMessage {
  return {
    type: "hello",
    protocol_version: protocolVersion,
    instance_id: instanceId,
    reporter_version: "0.1.0-test",
    started_at: toUtcTimestamp(),
    host: {
      hostname: "test-host",
      platform: "linux",
      arch: "x64",
      node_version: "v22.13.0",
      cpu_model: "Test CPU",
      cpu_cores: 8,
      memory_total_bytes: 1024,
      gpu_names: [],
    },
  };
}

/** Opens a reporter socket, sends hello and waits for `welcome`. */
export async function connectReporter(instanceId: string, token: string): Promise<ReporterProbe> {
  const reporter = await openReporter(token);
  reporter.send(hello(instanceId));
  await reporter.next("welcome");
  return reporter;
}

/** Builds a valid snapshot for `instanceId` from the shared example overview. */
export function snapshot(instanceId: string, capturedAt = toUtcTimestamp()): Overview {
  return { ...overviewSchema.parse(overviewExample), instance_id: instanceId, captured_at: capturedAt };
}

/** Sends a ping and waits for its pong, so every frame sent before it has been handled. */
export async function flushReporter(reporter: ReporterProbe): Promise<void> {
  reporter.send({ type: "ping", at: toUtcTimestamp() });
  await reporter.next("pong");
}

/** Same as `flushReporter` for a browser socket. */
export async function flushBrowser(browser: BrowserProbe): Promise<void> {
  browser.send({ type: "ping" });
  await browser.next("pong");
}
