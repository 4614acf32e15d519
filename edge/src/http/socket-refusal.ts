/**
 * @module Refuses a WebSocket upgrade in a way the client can read. A browser cannot see the
 * HTTP status of a failed upgrade, so the socket is accepted, given one frame with the error
 * and closed with code 4000 and the error code as reason.
 */
import { APP_CLOSE_CODE } from "@comfycarry/shared";
import type { EdgeToBrowserMessage, EdgeToReporterMessage, WireError } from "@comfycarry/shared";

/** Kinds of socket clients, which differ in the frame that carries an error. */
export type SocketClient = "reporter" | "browser";

/** Returns a 101 response whose socket sends `error` and closes at once. */
export function refuseUpgrade(client: SocketClient, error: WireError): Response {
  const pair = new WebSocketPair();
  const server = pair[1];
  server.accept();

  const frame: EdgeToReporterMessage | EdgeToBrowserMessage =
    client === "reporter" ? { type: "refused", error } : { type: "error", request_id: null, error };
  server.send(JSON.stringify(frame));
  server.close(APP_CLOSE_CODE, error.code);
  return new Response(null, { status: 101, webSocket: pair[0] });
}

/** Returns whether the request is a WebSocket upgrade. */
export function isUpgrade(request: Request): boolean {
  return request.headers.get("Upgrade")?.toLowerCase() === "websocket";
}
