import { request as httpRequest } from "node:http";
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";

import { readBodyText } from "./read-body.js";

/**
 * The part of `fetch` the reporter's small JSON calls use, sent through node:http.
 *
 * Node's `fetch` is undici, which the reporter would otherwise load for its first call and
 * keep: about 10 MB of resident memory (its JavaScript and the llhttp WebAssembly parser) on
 * a process whose whole budget is 80 MB, and more CPU per call than node:http. The calls made
 * at start-up and on timers (ComfyUI, aria2, the edge, cloudflared's metrics, CivitAI's hash
 * lookups) go through here, so a reporter that only watches never loads undici.
 */
export interface PlainRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** "error" rejects a redirect, as fetch's option of that name does. The default follows it. */
  redirect?: "follow" | "error";
}

export interface PlainResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly url: string;
  readonly headers: { get(name: string): string | null };
  text(): Promise<string>;
  json(): Promise<unknown>;
}

/** Bodies larger than this fail, because every caller reads small JSON or text responses. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Redirects followed at most, as fetch does for GET. */
const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export async function plainFetch(url: string | URL, init: PlainRequestInit = {}): Promise<PlainResponse> {
  let target = new URL(url);
  let method = (init.method ?? "GET").toUpperCase();
  let body = init.body;

  for (let redirects = 0; ; redirects += 1) {
    const { message, text } = await send(target, method, init.headers ?? {}, body, init.signal);
    const status = message.statusCode ?? 0;
    const location = message.headers.location;

    if (REDIRECT_STATUSES.has(status) && location !== undefined && redirects < MAX_REDIRECTS) {
      if (init.redirect === "error") {
        throw new TypeError(`${target.href} responded with a redirect to ${location}, and this request does not follow redirects`);
      }
      target = new URL(location, target);
      // A 303, and a 301 or 302 after a POST, turn into a GET without a body, as in fetch.
      if (status === 303 || ((status === 301 || status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
      }
      continue;
    }

    return response(target.href, status, message.headers, text);
  }
}

function response(url: string, status: number, headers: IncomingHttpHeaders, text: string): PlainResponse {
  return {
    ok: status >= 200 && status < 300,
    status,
    url,
    headers: { get: (name) => headerValue(headers, name) },
    text: () => Promise.resolve(text),
    json: () => Promise.resolve().then(() => JSON.parse(text) as unknown),
  };
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | null {
  const value = headers[name.toLowerCase()];
  if (value === undefined) {
    return null;
  }
  return Array.isArray(value) ? value.join(", ") : value;
}

function send(target: URL, method: string, headers: Record<string, string>, body: string | undefined, signal: AbortSignal | undefined): Promise<{ message: IncomingMessage; text: string }> {
  return new Promise((resolve, reject) => {
    if (target.protocol !== "http:" && target.protocol !== "https:") {
      reject(new TypeError(`cannot fetch ${target.href}: only http and https URLs are supported`));
      return;
    }
    const outgoing: Record<string, string | number> = { ...headers };
    if (body !== undefined) {
      outgoing["content-length"] = Buffer.byteLength(body);
    }
    const open = target.protocol === "https:" ? httpsRequest : httpRequest;
    // A connection per request: Node 22's global agent keeps connections alive, and a GET sent
    // on one the server has just closed fails. These calls come seconds apart, so reuse saves little.
    const request = open(target, { method, headers: outgoing, agent: false, ...(signal === undefined ? {} : { signal }) });

    request.on("error", reject);
    request.on("response", (message) => {
      readBodyText(message, MAX_BODY_BYTES).then((text) => resolve({ message, text }), reject);
    });
    request.end(body);
  });
}
