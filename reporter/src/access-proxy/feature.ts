import type { Logger } from "../log/logger.js";
import type { GatePrompt } from "../workflows/on-demand/http-gate.js";
import { AccessKey } from "./access-key.js";
import { HttpAccessEdge } from "./edge-client.js";
import type { AccessEdge } from "./edge-client.js";
import type { ProxyRoutes } from "./routes.js";
import { AccessProxy } from "./server.js";
import type { AccessService } from "./services.js";
import { SessionStore } from "./sessions.js";
import { TicketVerifier } from "./ticket.js";
import { TokenChecker } from "./token-check.js";

export interface AccessProxySettings {
  instanceId: string;
  /** The edge's http(s) base URL; it also serves the dashboard. */
  edgeUrl: string;
  /** The instance token, sent to the edge as Bearer. */
  token: string;
  stateDir: string;
  comfyuiUrl: string;
  port: number;
  log: Logger;
  observe: (text: string, source: string) => void;
  /** The time in ms since the epoch on the edge's clock; tests pass a fake clock. */
  now?: () => number;
  /** Replaces the HTTP calls to the edge in tests. */
  edge?: AccessEdge;
  /** Local services besides ComfyUI; when absent, the list given to `setServices` is used. */
  services?: () => readonly AccessService[];
  routes?: ProxyRoutes;
  tokenCacheMs?: number;
  /** The on-demand model gate for prompts queued through the proxy, absent when the workflows feature is off. */
  gate?: GatePrompt | null;
}

/** The running access proxy and its key, stopped together. */
export interface RunningAccessProxy {
  port: number;
  proxy: AccessProxy;
  /** Replaces the local services besides ComfyUI; the tunnel calls this when the user adds or removes one. */
  setServices(services: readonly AccessService[]): void;
  stop(): Promise<void>;
}

/** Builds the access proxy's parts, loads the access key and starts listening. */
export async function startAccessProxy(settings: AccessProxySettings): Promise<RunningAccessProxy> {
  const log = settings.log.child({ component: "access-proxy" });
  const now = settings.now ?? Date.now;
  const edge = settings.edge ?? new HttpAccessEdge({ edgeUrl: settings.edgeUrl, token: settings.token });

  let services: readonly AccessService[] = [];
  const key = new AccessKey({ edge, stateDir: settings.stateDir, log });
  await key.start();
  const proxy = new AccessProxy({
    target: settings.comfyuiUrl,
    port: settings.port,
    dashboardUrl: `${settings.edgeUrl.replace(/\/+$/, "")}/instances/${encodeURIComponent(settings.instanceId)}`,
    tickets: new TicketVerifier({ instanceId: settings.instanceId, key: () => key.current(), now }),
    sessions: new SessionStore({ now }),
    tokens: new TokenChecker({ edge, now, log, ...(settings.tokenCacheMs === undefined ? {} : { cacheMs: settings.tokenCacheMs }) }),
    log: settings.log,
    observe: settings.observe,
    services: settings.services ?? (() => services),
    ...(settings.routes === undefined ? {} : { routes: settings.routes }),
    gate: settings.gate ?? null,
  });

  let port: number;
  try {
    port = await proxy.listen();
  } catch (error) {
    key.stop();
    throw error;
  }
  return {
    port,
    proxy,
    setServices(next) {
      services = [...next];
    },
    async stop() {
      key.stop();
      await proxy.close();
    },
  };
}
