/** Building cloudflared's command line for each mode. */
import { access, constants } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { delimiter, isAbsolute, join } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";
import type { TunnelMode } from "@comfycarry/shared";

import type { TunnelEnvSettings } from "./settings.js";
import type { TunnelStore } from "./store.js";
import type { Launch } from "./supervisor.js";

/** Returns the absolute path of `binary`, searching PATH for a bare name, or null when not found. */
export async function resolveBinary(binary: string, path = process.env["PATH"] ?? ""): Promise<string | null> {
  const candidates = isAbsolute(binary) || binary.includes("/") ? [binary] : path.split(delimiter).filter((dir) => dir !== "").map((dir) => join(dir, binary));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; try the next folder.
    }
  }
  return null;
}

/** Returns a free TCP port on 127.0.0.1 for the metrics server. Another process could take it before cloudflared binds; the run then exits and is retried. */
export async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface ArgsInput {
  mode: TunnelMode;
  metricsAddress: string;
  /** A file holding `{}`: keeps cloudflared from reading a config.yml of its default search path. */
  configPath: string;
  /** Quick mode: the origin the tunnel forwards to (the access proxy). */
  origin: string;
  /** Token and API modes: the file holding the tunnel token. */
  tokenFile: string;
  /** Quick-tunnel service; only tests set it, to point cloudflared at a loopback fake. */
  quickService?: string;
}

/**
 * Returns cloudflared's arguments. Tunnel flags come before `run`, `--token-file` after it, and
 * `--no-autoupdate` keeps cloudflared from replacing itself and exiting 11 every 24 h.
 */
export function cloudflaredArgs(input: ArgsInput): string[] {
  const common = ["tunnel", "--no-autoupdate", "--metrics", input.metricsAddress, "--config", input.configPath, "--loglevel", "info"];
  if (input.mode === "quick") {
    return [...common, ...(input.quickService === undefined ? [] : ["--quick-service", input.quickService]), "--url", input.origin];
  }
  // NOTE: --token-file needs cloudflared 2025.4.0 or newer; older releases reject the flag and the tunnel shows as misconfigured.
  return [...common, "run", "--token-file", input.tokenFile];
}

/** Raised when the tunnel cannot start with what is saved; the supervisor marks it misconfigured. */
export function notReady(message: string, reason: string): ComfyCarryError {
  return new ComfyCarryError("tunnel_failed", message, { reason, detail: message });
}

export interface PrepareInput {
  mode: TunnelMode | null;
  env: TunnelEnvSettings;
  store: TunnelStore;
  /** The file PM2 writes cloudflared's output to. */
  logFile: string;
  /** The access proxy's origin; raises when it is not listening. */
  origin: () => string;
}

/** Builds the next run's PM2 definition; a missing binary, mode or token raises `tunnel_failed`. */
export async function prepareLaunch(input: PrepareInput): Promise<Launch> {
  const { env, mode, store } = input;
  if (mode === null) {
    throw notReady("No tunnel mode is set.", "not_configured");
  }
  const binary = await resolveBinary(env.binary);
  if (binary === null) {
    throw notReady(`cloudflared was not found (${env.binary}); install it or set COMFYCARRY_CLOUDFLARED_BIN to its path.`, "cloudflared_missing");
  }
  if (mode !== "quick" && (await store.readSecret("tunnel-token")) === null) {
    throw notReady("No tunnel token is saved; paste the tunnel token again.", "not_configured");
  }

  const metricsAddress = `127.0.0.1:${await freeLoopbackPort()}`;
  const args = cloudflaredArgs({
    mode,
    metricsAddress,
    configPath: await store.emptyConfigPath(),
    origin: mode === "quick" ? input.origin() : "",
    tokenFile: store.secretPath("tunnel-token"),
    ...(env.quickService === undefined ? {} : { quickService: env.quickService }),
  });
  return {
    metricsAddress,
    definition: { name: env.serviceName, binary, args, cwd: store.dir, logFile: input.logFile, env: env.childEnv },
  };
}
