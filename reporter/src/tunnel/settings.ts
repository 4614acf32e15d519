/** The tunnel's settings from the reporter's environment. */
import { z } from "zod";

export interface TunnelEnvSettings {
  /** cloudflared's path, or a name searched on PATH. */
  binary: string;
  /** Cloudflare API v4 base, ending in /client/v4. */
  apiUrl: string;
  /** Quick-tunnel service for `--quick-service`; unset in production, a loopback fake in tests. */
  quickService?: string;
  /** PM2 process name of cloudflared. */
  serviceName: string;
  /** Origin cloudflared forwards to instead of the access proxy's; for tests and unusual setups. */
  origin?: string;
  /** Variables added to cloudflared's environment (tests set the fake's knobs here). */
  childEnv: Record<string, string>;
}

const urlSchema = z.url({ protocol: /^https?$/ });

/**
 * Reads COMFYCARRY_CLOUDFLARED_BIN, COMFYCARRY_CLOUDFLARE_API_URL, COMFYCARRY_TUNNEL_QUICK_SERVICE,
 * COMFYCARRY_TUNNEL_SERVICE and COMFYCARRY_TUNNEL_ORIGIN. A bad URL raises an error naming the
 * variable.
 */
export function tunnelEnvSettings(env: NodeJS.ProcessEnv = process.env): TunnelEnvSettings {
  const url = (name: string): string | undefined => {
    const value = env[name];
    if (value === undefined || value === "") {
      return undefined;
    }
    if (!urlSchema.safeParse(value).success) {
      throw new Error(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
    }
    return value;
  };

  const quickService = url("COMFYCARRY_TUNNEL_QUICK_SERVICE");
  const origin = url("COMFYCARRY_TUNNEL_ORIGIN");
  return {
    binary: env["COMFYCARRY_CLOUDFLARED_BIN"] || "cloudflared",
    apiUrl: url("COMFYCARRY_CLOUDFLARE_API_URL") ?? "https://api.cloudflare.com/client/v4",
    serviceName: env["COMFYCARRY_TUNNEL_SERVICE"] || "cloudflared",
    childEnv: {},
    ...(quickService === undefined ? {} : { quickService }),
    ...(origin === undefined ? {} : { origin }),
  };
}
