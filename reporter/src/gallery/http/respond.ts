import type { IncomingMessage, ServerResponse } from "node:http";

import { ComfyCarryError } from "@comfycarry/shared";
import type { ErrorCode } from "@comfycarry/shared";

/** A gallery HTTP route, mounted under the access proxy's `/__cc/` prefix. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

const STATUS: Partial<Record<ErrorCode, number>> = {
  invalid_arguments: 400,
  invalid_message: 400,
  not_found: 404,
  payload_too_large: 413,
  forbidden: 403,
};

/** Sends an error as `{ error: WireError }` with a status that matches its code. */
export function sendError(res: ServerResponse, error: unknown): void {
  const wire = error instanceof ComfyCarryError ? error.toWire() : { code: "internal_error" as const, message: "the gallery request failed; see the reporter log" };
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(STATUS[wire.code] ?? 500, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify({ error: wire }));
}

/** Reads a small request body, rejecting one over `limit` bytes with `payload_too_large`. */
export async function readSmallBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > limit) {
      throw new ComfyCarryError("payload_too_large", `request body is over ${limit} bytes; select fewer files`, { limit_bytes: limit });
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
