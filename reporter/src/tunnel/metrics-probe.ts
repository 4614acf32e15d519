/** Asking cloudflared's metrics server whether the tunnel is up and which hostnames it serves. */

import { plainFetch } from "../http/plain-fetch.js";

export interface Readiness {
  /** False when the metrics server did not answer at all (cloudflared starting or gone). */
  reachable: boolean;
  ready: boolean;
  connections: number;
}

const TIMEOUT_MS = 2_000;

/** Reads `/ready`: 200 once at least one edge connection is registered, 503 before. */
export async function readReadiness(metricsAddress: string): Promise<Readiness> {
  try {
    const response = await plainFetch(`http://${metricsAddress}/ready`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = (await response.json().catch(() => ({}))) as { readyConnections?: unknown };
    const connections = typeof body.readyConnections === "number" ? body.readyConnections : 0;
    return { reachable: true, ready: response.status === 200, connections };
  } catch {
    return { reachable: false, ready: false, connections: 0 };
  }
}

/** Reads `/quicktunnel`; returns `https://<host>` or null when cloudflared has none (yet). */
export async function readQuickUrl(metricsAddress: string): Promise<string | null> {
  try {
    const response = await plainFetch(`http://${metricsAddress}/quicktunnel`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = (await response.json()) as { hostname?: unknown };
    return typeof body.hostname === "string" && body.hostname !== "" ? `https://${body.hostname}` : null;
  } catch {
    return null;
  }
}

/** Reads `/config` and returns the ingress hostnames, e.g. of a token tunnel configured on Cloudflare's side. */
export async function readIngressHostnames(metricsAddress: string): Promise<string[]> {
  try {
    const response = await plainFetch(`http://${metricsAddress}/config`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const body = (await response.json()) as { config?: { ingress?: { hostname?: unknown }[] } };
    return (body.config?.ingress ?? []).map((rule) => rule.hostname).filter((hostname): hostname is string => typeof hostname === "string" && hostname !== "");
  } catch {
    return [];
  }
}
