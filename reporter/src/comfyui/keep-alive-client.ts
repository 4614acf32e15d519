import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

import { readBodyText } from "../http/read-body.js";

/** A response read whole, because ComfyUI's JSON routes return small bodies. */
export interface TextResponse {
  status: number;
  body: string;
}

/** Max body size read, in bytes. The /history entry of one prompt with many outputs stays far below it. */
const MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * Idle connections are closed after this many ms. Servers close idle keep-alive connections
 * on their own timeout, so a short one here makes reusing a connection the server is closing
 * less likely. A GET that still meets one is retried (see `request`).
 */
const IDLE_SOCKET_MS = 15_000;

/** Error codes of a request that failed on a reused socket the server had already closed. */
const STALE_SOCKET_CODES = new Set(["ECONNRESET", "EPIPE"]);

/** Sends requests to one origin over a small pool of kept-alive connections. */
export class KeepAliveClient {
  readonly #base: URL;
  readonly #timeoutMs: number;
  readonly #agent: HttpAgent;
  readonly #send: typeof httpRequest;

  constructor(baseUrl: string, timeoutMs: number) {
    this.#base = new URL(baseUrl);
    this.#timeoutMs = timeoutMs;
    const https = this.#base.protocol === "https:";
    const agentOptions = { keepAlive: true, maxSockets: 4, timeout: IDLE_SOCKET_MS };
    this.#agent = https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.#send = https ? httpsRequest : httpRequest;
  }

  /**
   * Sends one request and reads the whole body as UTF-8. It fails when no response has
   * arrived in full after the timeout or once `signal` aborts. A GET that fails on a reused
   * connection is sent once more on a new one, because the server may have closed that
   * connection just before.
   */
  async request(method: string, path: string, body: string | undefined, signal?: AbortSignal): Promise<TextResponse> {
    try {
      return await this.#once(method, path, body, signal);
    } catch (error) {
      if (method === "GET" && error instanceof StaleSocketError) {
        return this.#once(method, path, body, signal);
      }
      throw error instanceof StaleSocketError ? error.cause : error;
    }
  }

  /** Destroys the idle connections. */
  close(): void {
    this.#agent.destroy();
  }

  #once(method: string, path: string, body: string | undefined, signal?: AbortSignal): Promise<TextResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (body !== undefined) {
        headers["content-type"] = "application/json";
        headers["content-length"] = Buffer.byteLength(body);
      }
      const request = this.#send(new URL(path, this.#base), { method, headers, agent: this.#agent, ...(signal === undefined ? {} : { signal }) });

      const timer = setTimeout(() => request.destroy(new Error(`timed out after ${this.#timeoutMs} ms`)), this.#timeoutMs);
      request.on("close", () => clearTimeout(timer));
      request.on("error", (error: NodeJS.ErrnoException) => {
        const stale = request.reusedSocket && error.code !== undefined && STALE_SOCKET_CODES.has(error.code);
        reject(stale ? new StaleSocketError(error) : error);
      });
      request.on("response", (response) => {
        readBodyText(response, MAX_BODY_BYTES).then((text) => resolve({ status: response.statusCode ?? 0, body: text }), reject);
      });
      request.end(body);
    });
  }
}

/** A request that failed on a reused connection; `cause` is the socket error. */
class StaleSocketError extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}
