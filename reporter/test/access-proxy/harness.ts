import { createHmac, randomBytes } from "node:crypto";
import { request as httpRequest } from "node:http";

import { ACCESS_TICKET_TTL_MS, accessTicketSignedText } from "@comfycarry/shared";
import type { AccessTokenCheckResponse } from "@comfycarry/shared";

import type { AccessEdge } from "../../src/access-proxy/edge-client.js";

export const INSTANCE_ID = "gpu-1";

/** A clock the test moves by hand, in ms since the epoch. */
export class FakeClock {
  nowMs = Date.parse("2026-01-01T00:00:00Z");
  readonly now = (): number => this.nowMs;
  advance(ms: number): void {
    this.nowMs += ms;
  }
}

/**
 * Stands in for the edge's two access endpoints: a fixed key, a table of API tokens with
 * their scopes, a switch that makes it unreachable, and a count of token checks.
 */
export class FakeAccessEdge implements AccessEdge {
  readonly key = randomBytes(32);
  readonly tokens = new Map<string, "read" | "control" | "admin">();
  reachable = true;
  tokenChecks = 0;

  fetchKey(): Promise<Buffer> {
    return this.reachable ? Promise.resolve(Buffer.from(this.key)) : Promise.reject(new Error("connect ECONNREFUSED (fake edge is down)"));
  }

  checkToken(token: string): Promise<AccessTokenCheckResponse> {
    this.tokenChecks += 1;
    if (!this.reachable) {
      return Promise.reject(new Error("connect ECONNREFUSED (fake edge is down)"));
    }
    const scope = this.tokens.get(token);
    return Promise.resolve(scope === undefined ? { valid: false } : { valid: true, token_id: "0123456789abcdef", scope });
  }
}

/** Signs a ticket the way the edge does. */
export function signTicket(key: Buffer, options: { instanceId?: string; expiresAtMs: number; nonce?: string }): string {
  const nonce = options.nonce ?? randomBytes(16).toString("base64url");
  const signed = accessTicketSignedText(options.instanceId ?? INSTANCE_ID, options.expiresAtMs, nonce);
  return `${signed}.${createHmac("sha256", key).update(signed).digest("base64url")}`;
}

/** Signs a ticket that expires one ticket lifetime after `clock`'s time. */
export function freshTicket(edge: FakeAccessEdge, clock: FakeClock): string {
  return signTicket(edge.key, { expiresAtMs: clock.nowMs + ACCESS_TICKET_TTL_MS });
}

/** Returns the `name=value` pair of the first Set-Cookie header, or null. */
export function cookieOf(response: Response): string | null {
  const header = response.headers.get("set-cookie");
  return header === null ? null : (header.split(";")[0] ?? null);
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Sends one request with node:http, which lets the test set `Host` and `Origin` as a browser behind a tunnel would. */
export function httpCall(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers ?? {} }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") }));
      response.on("error", reject);
    });
    request.on("error", reject);
    request.end(options.body);
  });
}
