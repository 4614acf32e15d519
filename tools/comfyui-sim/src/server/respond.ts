/** Responses with aiohttp's shapes: JSON via Python's `json.dumps`, empty 200s, plain-text errors. */
import { pyJsonDumps, type Dumpable } from "../py/format.js";

export interface SimResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export function json(value: Dumpable, status = 200): SimResponse {
  return { status, headers: { "Content-Type": "application/json; charset=utf-8" }, body: Buffer.from(pyJsonDumps(value), "utf8") };
}

/** `web.Response(status=N)`: no body, octet-stream content type. */
export function empty(status = 200): SimResponse {
  return { status, headers: { "Content-Type": "application/octet-stream" }, body: Buffer.alloc(0) };
}

export function text(body: string, status = 200, contentType = "text/plain; charset=utf-8"): SimResponse {
  return { status, headers: { "Content-Type": contentType }, body: Buffer.from(body, "utf8") };
}

export function bytes(body: Buffer, contentType: string, headers: Record<string, string> = {}): SimResponse {
  return { status: 200, headers: { "Content-Type": contentType, ...headers }, body };
}

export const notFound = (): SimResponse => text("404: Not Found", 404);

export function methodNotAllowed(allowed: string[]): SimResponse {
  const response = text("405: Method Not Allowed", 405);
  response.headers.Allow = allowed.join(",");
  return response;
}

/** aiohttp's response when a handler raises. */
export const internalError = (): SimResponse => text("500 Internal Server Error\n\nServer got itself in trouble", 500);
