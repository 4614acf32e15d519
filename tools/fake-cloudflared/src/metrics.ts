/** cloudflared's metrics server: /ready, /healthcheck, /quicktunnel, /metrics and /config. */
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";

import type { IngressRule } from "./config.js";

/** What the endpoints report; the tunnel code updates it as connections come and go. */
export interface TunnelState {
  connectorId: string;
  readyConnections: number;
  /** Quick-tunnel hostname without scheme, or "" for other tunnels. */
  quickHostname: string;
  configVersion: number;
  ingress: IngressRule[];
  /** The fake's eyeball listener (`FAKE_CLOUDFLARED_EYEBALL=1`), or null; not part of cloudflared. */
  eyeballAddress: string | null;
}

function metricsText(state: TunnelState): string {
  const lines = [
    "# HELP cloudflared_tunnel_ha_connections Number of active ha connections",
    "# TYPE cloudflared_tunnel_ha_connections gauge",
    `cloudflared_tunnel_ha_connections ${state.readyConnections}`,
    "# TYPE cloudflared_tunnel_total_requests counter",
    "cloudflared_tunnel_total_requests 0",
    'build_info{goversion="go1.26.0",revision="fake",type="fake",version="2026.8.2"} 1',
  ];
  if (state.quickHostname !== "") {
    lines.push(`cloudflared_tunnel_user_hostnames_counts{userHostname="https://${state.quickHostname}"} 1`);
  }
  return `${lines.join("\n")}\n`;
}

function handle(state: TunnelState, path: string): { status: number; type: string; body: string } {
  switch (path) {
    case "/ready": {
      const status = state.readyConnections > 0 ? 200 : 503;
      return { status, type: "application/json", body: JSON.stringify({ status, readyConnections: state.readyConnections, connectorId: state.connectorId }) };
    }
    case "/healthcheck":
      return { status: 200, type: "text/plain", body: "OK\n" };
    case "/quicktunnel":
      return { status: 200, type: "application/json", body: JSON.stringify({ hostname: state.quickHostname }) };
    case "/metrics":
      return { status: 200, type: "text/plain; version=0.0.4", body: metricsText(state) };
    case "/fake/eyeball":
      return { status: 200, type: "application/json", body: JSON.stringify({ address: state.eyeballAddress }) };
    case "/config":
      return { status: 200, type: "application/json", body: JSON.stringify({ version: state.configVersion, config: { ingress: state.ingress, "warp-routing": { enabled: false }, originRequest: {} } }) };
    default:
      return { status: 404, type: "text/plain", body: "404 page not found\n" };
  }
}

function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Binds the metrics server. An explicit address must be free; without `--metrics` the default
 * `localhost:0` tries 20241–20245 and then a random port, as cloudflared does since 2024.12.0.
 */
export async function startMetrics(explicit: string | undefined, state: TunnelState): Promise<{ server: Server; address: string }> {
  const address = explicit ?? "localhost:0";
  const server = createServer((request, response) => {
    const reply = handle(state, new URL(request.url ?? "/", "http://metrics").pathname);
    response.writeHead(reply.status, { "Content-Type": reply.type });
    response.end(reply.body);
  });

  const separator = address.lastIndexOf(":");
  const host = address.slice(0, separator);
  const port = Number(address.slice(separator + 1));
  const candidates = explicit === undefined ? [20241, 20242, 20243, 20244, 20245, 0] : [port];

  let lastError: unknown = null;
  for (const candidate of candidates) {
    try {
      const bound = await listen(server, host === "localhost" ? "127.0.0.1" : host, candidate);
      return { server, address: `${host}:${bound.port}` };
    } catch (error) {
      lastError = error;
    }
  }
  const reason = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(`Error opening metrics server listener: failed to bind to address (${address}): ${reason}`);
}
