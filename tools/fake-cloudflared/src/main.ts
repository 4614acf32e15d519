/**
 * Fake cloudflared: quick tunnels (`--url`), token tunnels (`tunnel run --token|--token-file`),
 * the metrics server, config-file interference, rate limits and edge failures, with the log
 * lines and exit codes of cloudflared 2026.8. Test knobs are `FAKE_CLOUDFLARED_*` variables
 * (see README.md); nothing reaches the network unless a test points it at a loopback fake.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { randomUUID } from "node:crypto";

import { UsageError, flagOrEnv, parseArgs } from "./args.js";
import type { ParsedArgs } from "./args.js";
import { ConfigError, findConfig, readConfig } from "./config.js";
import type { IngressRule } from "./config.js";
import { Edge } from "./edge.js";
import { startEyeball } from "./eyeball.js";
import { Logger, bareLine, logBox } from "./log.js";
import { startMetrics } from "./metrics.js";
import type { TunnelState } from "./metrics.js";
import { QuickTunnelError, requestQuickTunnel } from "./quick.js";
import { connectorConfig, connectorDown } from "./remote-config.js";
import { decodeToken } from "./token.js";

const VERSION = "2026.8.2";

const NO_ARGUMENT_TEXT = [
  "You did not specify any valid additional argument to the cloudflared tunnel command.",
  "",
  "If you are trying to run a Quick Tunnel then you need to explicitly pass the --url flag.",
  "Eg. cloudflared tunnel --url localhost:8080/.",
  "",
  "Please note that Quick Tunnels are meant to be ephemeral and should only be used for testing purposes.",
  "For production usage, we recommend creating Named Tunnels. (https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/get-started/tunnel-useful-terms/#named-tunnel)",
].join("\n");

/** Appends this invocation to `FAKE_CLOUDFLARED_RUN_LOG`, so tests can count starts and read argv. */
function recordRun(argv: string[]): void {
  const path = process.env["FAKE_CLOUDFLARED_RUN_LOG"];
  if (path !== undefined) {
    appendFileSync(path, `${JSON.stringify({ argv, pid: process.pid, tokenEnv: process.env["TUNNEL_TOKEN"] !== undefined })}\n`);
  }
}

function settingsLine(args: ParsedArgs, extra: Record<string, string>): string {
  const merged = new Map([...args.flags, ...Object.entries(extra)]);
  const entries = [...merged.entries()]
    .filter(([key]) => key !== "token-file")
    .map(([key, value]) => `${key}:${key === "token" ? "*****" : value}`)
    .sort();
  return `Settings: map[${entries.join(" ")}]`;
}

function readToken(args: ParsedArgs): string | undefined {
  const token = flagOrEnv(args, "token", "TUNNEL_TOKEN");
  if (token !== undefined) {
    return token;
  }
  const file = flagOrEnv(args, "token-file", "TUNNEL_TOKEN_FILE");
  if (file === undefined) {
    return undefined;
  }
  try {
    return readFileSync(file, "utf8").trim();
  } catch (error) {
    throw new UsageError(`Failed to read token file ${file}: ${error instanceof Error ? error.message : String(error)}`, true);
  }
}

async function main(argv: string[]): Promise<number> {
  recordRun(argv);

  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      // The CLI library prints usage errors and help to stdout, and cloudflared exits 0.
      process.stdout.write(`Incorrect Usage${error.leaf ? ":" : "."} ${error.message}\n\nNAME:\n   cloudflared - Cloudflare's command-line tool and agent\n`);
      return 0;
    }
    throw error;
  }

  const log = new Logger(flagOrEnv(args, "output", "TUNNEL_LOG_OUTPUT") === "json", flagOrEnv(args, "logfile", "TUNNEL_LOGFILE"));
  const url = flagOrEnv(args, "url", "TUNNEL_URL");
  if (!args.run && url === undefined && !args.flags.has("hello-world")) {
    bareLine(NO_ARGUMENT_TEXT);
    return 1;
  }

  let token: string | undefined;
  let tunnelId = "";
  if (args.run) {
    try {
      token = readToken(args);
    } catch (error) {
      bareLine(`${error instanceof Error ? error.message : String(error)}\nSee 'cloudflared tunnel run --help'.`);
      return 255;
    }
    const decoded = token === undefined ? null : decodeToken(token);
    if (decoded === null) {
      bareLine("Provided Tunnel token is not valid.\nSee 'cloudflared tunnel run --help'.");
      return 255;
    }
    tunnelId = decoded.tunnelId;
  }

  let fileIngress: IngressRule[] | null = null;
  try {
    const configPath = findConfig(args.flags.get("config"), log);
    fileIngress = configPath === null ? null : readConfig(configPath, log).ingress;
  } catch (error) {
    if (error instanceof ConfigError) {
      bareLine(error.message);
      return 1;
    }
    throw error;
  }

  const quick = !args.run;
  const protocol = args.flags.get("protocol") ?? "quic";
  const state: TunnelState = { connectorId: randomUUID(), readyConnections: 0, quickHostname: "", configVersion: 0, ingress: [], eyeballAddress: null };

  if (quick) {
    log.info("Thank you for trying Cloudflare Tunnel. Doing so, without a Cloudflare account, is a quick way to experiment and try it out. However, be aware that these account-less Tunnels have no uptime guarantee, are subject to the Cloudflare Online Services Terms of Use (https://www.cloudflare.com/website-terms/), and Cloudflare reserves the right to investigate your use of Tunnels for violations of such terms. If you intend to use Tunnels in production you should use a pre-created named tunnel by following: https://developers.cloudflare.com/cloudflare-one/connections/connect-networks/get-started");
    try {
      const tunnel = await requestQuickTunnel(flagOrEnv(args, "quick-service", "FAKE_CLOUDFLARED_QUICK_SERVICE"), log);
      state.quickHostname = tunnel.hostname;
      tunnelId = tunnel.id;
    } catch (error) {
      if (error instanceof QuickTunnelError) {
        bareLine(error.message);
        return 1;
      }
      throw error;
    }
    logBox(log, ["Your quick Tunnel has been created! Visit it at (it may take some time to be reachable):", `https://${state.quickHostname}`]);
    // A config file's ingress wins over --url, which is why a named-tunnel config.yml breaks quick tunnels.
    state.ingress = fileIngress ?? [{ service: url ?? "http://localhost:8080" }];
    state.configVersion = 0;
  }

  log.info(`Version ${VERSION} (Checksum 0000000000000000000000000000000000000000000000000000000000000000)`);
  log.info("GOOS: linux, GOVersion: go1.26.0, GoArch: amd64");
  log.info(settingsLine(args, quick ? { "ha-connections": "1", protocol } : {}));
  log.info(`Generated Connector ID: ${state.connectorId}`);
  log.info(`Initial protocol ${protocol}`);

  let metrics: Awaited<ReturnType<typeof startMetrics>>;
  try {
    metrics = await startMetrics(flagOrEnv(args, "metrics", "TUNNEL_METRICS"), state);
  } catch (error) {
    bareLine(error instanceof Error ? error.message : String(error));
    return 1;
  }
  log.info(`Starting metrics server on ${metrics.address}/metrics`);

  const edge = new Edge({
    connections: quick ? 1 : 4,
    protocol,
    log,
    state,
    onFirstRegistered: () => {
      if (!quick) {
        void connectorConfig(tunnelId, state, log);
      }
    },
  });
  if (!quick) {
    log.info(`Starting tunnel tunnelID=${tunnelId}`);
  }
  edge.start();
  const eyeball = process.env["FAKE_CLOUDFLARED_EYEBALL"] === "1" ? await startEyeball(state, log) : null;

  return await new Promise<number>((resolve) => {
    const shutdown = (signal: NodeJS.Signals): void => {
      process.removeAllListeners("SIGINT");
      process.removeAllListeners("SIGTERM");
      log.info(`Initiating graceful shutdown due to signal ${signal === "SIGINT" ? "interrupt" : "terminated"} ...`);
      edge.unregisterAll();
      void connectorDown(quick ? "" : tunnelId).finally(() => {
        log.info("Tunnel server stopped");
        metrics.server.close();
        eyeball?.close();
        log.info("Metrics server stopped");
        resolve(0);
      });
    };
    process.once("SIGINT", shutdown);
    process.once("SIGTERM", shutdown);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    bareLine(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
