/**
 * Remote configuration for token tunnels. The real edge pushes the ingress set through the API
 * to the connector; the fake asks the fake Cloudflare API at `FAKE_CLOUDFLARED_API_URL` for it
 * and reports itself connected there. Without that variable the tunnel has no ingress.
 */
import type { IngressRule } from "./config.js";
import type { Logger } from "./log.js";
import type { TunnelState } from "./metrics.js";

function connectorUrl(tunnelId: string): string | null {
  const api = process.env["FAKE_CLOUDFLARED_API_URL"];
  return api === undefined || tunnelId === "" ? null : `${api.replace(/\/$/, "")}/__fake/connectors/${tunnelId}`;
}

/** Marks the tunnel connected at the fake API and applies the configuration it returns. */
export async function connectorConfig(tunnelId: string, state: TunnelState, log: Logger): Promise<void> {
  const url = connectorUrl(tunnelId);
  if (url === null) {
    return;
  }
  try {
    const response = await fetch(url, { method: "POST", signal: AbortSignal.timeout(5_000) });
    const body = (await response.json()) as { version?: number; config?: { ingress?: IngressRule[] } };
    if (typeof body.version === "number" && body.version > 0) {
      state.configVersion = body.version;
      state.ingress = body.config?.ingress ?? [];
      log.info("Updated to new configuration", { config: JSON.stringify(body.config ?? {}), version: body.version });
    }
  } catch (error) {
    log.error("Failed to fetch the remote configuration", { error: error instanceof Error ? error.message : String(error) });
  }
}

/** Marks the tunnel disconnected at the fake API; failures are ignored, as on a real shutdown. */
export async function connectorDown(tunnelId: string): Promise<void> {
  const url = connectorUrl(tunnelId);
  if (url !== null) {
    await fetch(url, { method: "DELETE", signal: AbortSignal.timeout(2_000) }).catch(() => undefined);
  }
}
