import type { Level } from "./levels";
import type { Overview, TunnelStatus, UnavailableSection } from "@comfycarry/shared";

// Sync and tunnel badges. A section the snapshot marks unavailable is shown as neutral
// "not set up" with the reason as a hint, never as a made-up state.

/** A message as an i18n key with its parameters. */
export interface MessageRef {
  key: string;
  params?: Record<string, string | number>;
}

/** A badge's colour, value text and optional hint. */
export interface BadgeView {
  level: Level;
  value: MessageRef;
  hint: MessageRef | null;
}

/** Returns the hint for a section that is not available, by reason. */
function unavailableHint(prefix: "status.sync" | "status.tunnel", section: UnavailableSection): MessageRef {
  switch (section.reason) {
    case "not_built":
      return { key: `${prefix}.notBuiltHint` };
    case "not_configured":
      return { key: `${prefix}.notConfiguredHint` };
    case "error":
      return { key: `${prefix}.errorHint`, params: { detail: section.detail ?? "" } };
  }
}

/**
 * Returns the sync badge: green after a successful run (with its age), amber while running,
 * red when the last run failed, a remote is offline, a rule needs the user or the worker is
 * not running, neutral when never run or not set up.
 */
export function syncBadge(sync: Overview["sync"], since: (utc: string) => string): BadgeView {
  if (!sync.available) {
    return { level: sync.reason === "error" ? "red" : "neutral", value: { key: "status.sync.notSetUp" }, hint: unavailableHint("status.sync", sync) };
  }
  if (sync.last_status === "running") {
    return { level: "amber", value: { key: "status.sync.running" }, hint: null };
  }
  if ((sync.offline_rules ?? 0) > 0) {
    return { level: "red", value: { key: "sync.badge.remoteOffline" }, hint: { key: "sync.badge.remoteOfflineHint", params: { count: sync.offline_rules ?? 0 } } };
  }
  if ((sync.failed_rules ?? 0) > 0) {
    return { level: "red", value: { key: "status.sync.failed" }, hint: { key: "sync.badge.needsUserHint", params: { count: sync.failed_rules ?? 0 } } };
  }
  if (sync.last_status === "failed") {
    return { level: "red", value: { key: "status.sync.failed" }, hint: null };
  }
  if (!sync.worker_running) {
    return { level: "red", value: { key: "status.sync.offline" }, hint: null };
  }
  if (sync.last_status === "never") {
    return { level: "neutral", value: { key: "status.sync.never" }, hint: null };
  }

  const value: MessageRef =
    sync.last_activity === null ? { key: "status.sync.healthyNoTime" } : { key: "status.sync.healthy", params: { age: since(sync.last_activity) } };
  return { level: "green", value, hint: null };
}

/** Returns the red tunnel badge, naming a Cloudflare rate limit or rejected settings when the reporter sent that status. */
function tunnelErrorBadge(status: TunnelStatus | undefined): BadgeView {
  if (status === "rate_limited") {
    return { level: "red", value: { key: "tunnel.badge.rateLimited" }, hint: { key: "tunnel.badge.rateLimitedHint" } };
  }
  if (status === "misconfigured") {
    return { level: "red", value: { key: "tunnel.badge.misconfigured" }, hint: { key: "tunnel.badge.misconfiguredHint" } };
  }
  return { level: "red", value: { key: "status.tunnel.error" }, hint: null };
}

/**
 * Returns the tunnel badge: green online, red offline or failed, neutral when not set up.
 * `connecting` is amber, because a tunnel still coming up is neither reachable nor
 * broken.
 */
export function tunnelBadge(tunnel: Overview["tunnel"]): BadgeView {
  if (!tunnel.available) {
    return { level: tunnel.reason === "error" ? "red" : "neutral", value: { key: "status.tunnel.notSetUp" }, hint: unavailableHint("status.tunnel", tunnel) };
  }

  switch (tunnel.state) {
    case "online":
      return { level: "green", value: { key: "status.tunnel.online" }, hint: null };
    case "connecting":
      return { level: "amber", value: { key: "status.tunnel.connecting" }, hint: null };
    case "offline":
      return { level: "red", value: { key: "status.tunnel.offline" }, hint: null };
    case "error":
      return tunnelErrorBadge(tunnel.status);
    case "unconfigured":
      return { level: "neutral", value: { key: "status.tunnel.notSetUp" }, hint: { key: "status.tunnel.notConfiguredHint" } };
  }
}
