import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from "node:http";

// Headers that describe one hop and must not be forwarded (RFC 9110 §7.6.1), plus the
// WebSocket handshake headers that the `ws` client sets itself on the upstream hop.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"]);
const WS_HANDSHAKE = new Set(["sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-accept"]);

/**
 * Builds the headers for the request to ComfyUI. `Host` and `Origin` are set to ComfyUI's
 * own address: ComfyUI responds with 403 when a loopback `Host` and the `Origin` name different
 * hosts, which is what a browser behind the proxy (or a tunnel) would send.
 */
export function upstreamHeaders(request: IncomingMessage, target: URL, options: { websocket: boolean }): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || (options.websocket && WS_HANDSHAKE.has(name))) {
      continue;
    }
    headers[name] = value;
  }

  headers.host = target.host;
  if (request.headers.origin !== undefined) {
    headers.origin = target.origin;
  }
  headers["x-forwarded-for"] = appendForwarded(request.headers["x-forwarded-for"], request.socket.remoteAddress);
  headers["x-forwarded-host"] = request.headers.host ?? "";
  headers["x-forwarded-proto"] = "http";
  return headers;
}

/** Copies ComfyUI's response headers without the hop-by-hop ones. */
export function downstreamHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const result: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) {
      result[name] = value;
    }
  }
  return result;
}

function appendForwarded(existing: string | string[] | undefined, address: string | undefined): string {
  const previous = Array.isArray(existing) ? existing.join(", ") : existing;
  const own = address ?? "unknown";
  return previous === undefined || previous === "" ? own : `${previous}, ${own}`;
}
