/** Requesting a quick tunnel from the quick-tunnel service, or inventing one when none is set. */
import { randomBytes, randomUUID } from "node:crypto";

import type { Logger } from "./log.js";

export interface QuickTunnel {
  id: string;
  hostname: string;
}

/** A failure that cloudflared prints as a bare line before exiting 1. */
export class QuickTunnelError extends Error {}

const WORDS = ["amber", "basin", "cedar", "delta", "ember", "fjord", "grove", "harbor", "island", "juniper", "kettle", "lagoon", "meadow", "nectar", "orbit", "prairie", "quartz", "river", "summit", "timber"];

function word(): string {
  const [byte = 0] = randomBytes(1);
  return WORDS[byte % WORDS.length] ?? "amber";
}

/** A random `<w>-<w>-<w>-<w>.trycloudflare.com` host, for runs without a quick-tunnel service. */
export function inventHostname(): string {
  return `${word()}-${word()}-${word()}-${word()}.trycloudflare.com`;
}

/**
 * POSTs `<service>/tunnel` like cloudflared and reads `result.id` and `result.hostname`.
 * With no service set the fake invents a tunnel without any network access, so a default
 * run never reaches the real api.trycloudflare.com.
 */
export async function requestQuickTunnel(service: string | undefined, log: Logger): Promise<QuickTunnel> {
  log.info("Requesting new quick Tunnel on trycloudflare.com...");
  if (service === undefined) {
    return { id: randomUUID(), hostname: inventHostname() };
  }

  const url = `${service.replace(/\/$/, "")}/tunnel`;
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", "User-Agent": "cloudflared/2026.8.2" }, signal: AbortSignal.timeout(15_000) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new QuickTunnelError(`failed to request quick Tunnel: Post "${url}": dial tcp: ${cause}`);
  }

  const body = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // cloudflared 2024.10+ logs the raw body and status before the bare failure line.
    const reason = `invalid character '${body.trim().charAt(0)}' looking for beginning of value`;
    log.error(`Error unmarshaling QuickTunnel response: ${body.trim()}`, { error: reason, status_code: `${response.status} ${response.statusText}` });
    throw new QuickTunnelError(`failed to unmarshal quick Tunnel: ${reason}`);
  }

  const result = (parsed as { result?: { id?: unknown; hostname?: unknown } }).result;
  if (typeof result?.id !== "string" || typeof result.hostname !== "string") {
    throw new QuickTunnelError(`failed to parse quick Tunnel ID: invalid UUID length: 0`);
  }
  return { id: result.id, hostname: result.hostname };
}
