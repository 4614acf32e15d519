/** The Tunnel page's view and the overview's tunnel section, built from the settings and the supervisor's state. */
import { toUtcTimestamp } from "@comfycarry/shared";
import type { Overview, TunnelLink, TunnelStatus, TunnelView, tunnelStateSchema } from "@comfycarry/shared";
import type { z } from "zod";

import { apiHostname } from "./api-mode.js";
import type { TunnelSettings } from "./store.js";
import type { SupervisorView } from "./supervisor.js";

type TunnelState = z.infer<typeof tunnelStateSchema>;

/** Maps the tunnel status to the overview badge's coarser state; rate limits and bad settings show as `error`. */
function overviewState(status: TunnelStatus): TunnelState {
  switch (status) {
    case "online":
    case "connecting":
    case "offline":
      return status;
    case "stopped":
      return "offline";
    case "misconfigured":
    case "rate_limited":
      return "error";
  }
}

/** Returns the public addresses: the quick URL, the API-mode hostnames, or a token tunnel's ingress hostnames. */
export function tunnelLinks(settings: TunnelSettings, supervised: SupervisorView): TunnelLink[] {
  if (settings.mode === "quick") {
    return supervised.quickUrl === null ? [] : [{ name: "ComfyUI", url: supervised.quickUrl }];
  }
  if (settings.mode === "api" && settings.api !== null) {
    const { domain, subdomain } = settings.api;
    return [
      { name: "ComfyUI", url: `https://${apiHostname(domain, subdomain, null)}` },
      ...settings.services.map((service) => ({ name: service.name, url: `https://${apiHostname(domain, subdomain, service.name)}` })),
    ];
  }
  return supervised.hostnames.map((hostname) => ({ name: hostname, url: `https://${hostname}` }));
}

/** Builds the view every tunnel command returns. `problem` is the feature's own, shown when the supervisor has none. */
export function buildTunnelView(settings: TunnelSettings, supervised: SupervisorView, problem: string | null, origin: string | null): TunnelView {
  const rateLimit =
    supervised.status === "rate_limited" && supervised.nextAttemptAt !== null
      ? { next_attempt_at: toUtcTimestamp(new Date(supervised.nextAttemptAt)), refused_starts: Math.max(1, supervised.refusedStarts) }
      : null;
  return {
    mode: settings.mode,
    status: settings.mode === null ? "stopped" : supervised.status,
    enabled: settings.enabled,
    links: tunnelLinks(settings, supervised),
    services: settings.services,
    api: settings.api === null ? null : { domain: settings.api.domain, subdomain: settings.api.subdomain, tunnel_id: settings.api.tunnel_id },
    rate_limit: rateLimit,
    problem: supervised.problem ?? problem,
    connections: supervised.connections,
    origin,
  };
}

/** Returns the overview's tunnel section: its links feed the quick links and its `state` the status badge. */
export function overviewSection(view: TunnelView): Overview["tunnel"] {
  if (view.mode === null) {
    return { available: false, reason: "not_configured" };
  }
  return {
    available: true,
    state: overviewState(view.status),
    links: view.links,
    mode: view.mode,
    status: view.status,
    next_attempt_at: view.rate_limit?.next_attempt_at ?? null,
  };
}
