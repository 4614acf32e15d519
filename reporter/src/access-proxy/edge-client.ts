import { accessKeyResponseSchema, accessTokenCheckResponseSchema, parseValue } from "@comfycarry/shared";
import type { AccessTokenCheckResponse } from "@comfycarry/shared";

import { plainFetch } from "../http/plain-fetch.js";

/** Deadline of one request to the edge, because a browser request waits for it. */
const EDGE_REQUEST_TIMEOUT_MS = 5_000;

/** The two edge endpoints the access proxy calls, authenticated with the instance token. */
export interface AccessEdge {
  /** Fetches the instance's access key (32 bytes). */
  fetchKey(): Promise<Buffer>;
  /** Asks whether `token` is a valid API token and which scope it has. */
  checkToken(token: string): Promise<AccessTokenCheckResponse>;
}

/** Calls the edge at `edgeUrl` (http or https base URL) with the instance token as Bearer. */
export class HttpAccessEdge implements AccessEdge {
  readonly #base: string;
  readonly #token: string;

  constructor(options: { edgeUrl: string; token: string }) {
    this.#base = options.edgeUrl.replace(/\/+$/, "").replace(/^ws(s?):/, "http$1:");
    this.#token = options.token;
  }

  async fetchKey(): Promise<Buffer> {
    const body = await this.#call("GET", "/api/reporter/access/key", undefined);
    const parsed = parseValue(accessKeyResponseSchema, body);
    if (!parsed.ok) {
      throw new Error(`the edge sent an invalid access key response: ${parsed.issues}`);
    }
    return Buffer.from(parsed.value.key, "base64url");
  }

  async checkToken(token: string): Promise<AccessTokenCheckResponse> {
    const body = await this.#call("POST", "/api/reporter/access/verify-token", { token });
    const parsed = parseValue(accessTokenCheckResponseSchema, body);
    if (!parsed.ok) {
      throw new Error(`the edge sent an invalid token check response: ${parsed.issues}`);
    }
    return parsed.value;
  }

  async #call(method: string, path: string, body: unknown): Promise<unknown> {
    const response = await plainFetch(`${this.#base}${path}`, {
      method,
      headers: { authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(EDGE_REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`${method} ${path} on the edge failed with HTTP ${response.status}: ${text.slice(0, 300)}`);
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(`${method} ${path} on the edge returned a body that is not JSON`);
    }
  }
}
