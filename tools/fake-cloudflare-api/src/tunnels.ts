/** Routes under /accounts/{account_id}/cfd_tunnel: create, list, get, token, configurations, delete. */
import { ApiFailure, BAD_REQUEST, NOT_FOUND, paginate, sendResult } from "./envelope.js";
import type { Route } from "./router.js";
import type { FakeCloudflareStore, FakeTunnel, IngressRule } from "./store.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function tunnelStatus(tunnel: FakeTunnel): string {
  if (tunnel.connected) {
    return "healthy";
  }
  return tunnel.connectedAt === null ? "inactive" : "down";
}

/** Returns the tunnel object as the API returns it. */
export function tunnelJson(tunnel: FakeTunnel): Record<string, unknown> {
  return {
    id: tunnel.id,
    account_tag: tunnel.accountId,
    created_at: tunnel.createdAt,
    deleted_at: tunnel.deletedAt,
    name: tunnel.name,
    connections: tunnel.connected
      ? [0, 1, 2, 3].map((index) => ({ id: `${tunnel.id.slice(0, 8)}-conn-${index}`, colo_name: ["ams07", "fra08", "lax08", "sin03"][index], client_version: "2026.8.2", is_pending_reconnect: false, opened_at: tunnel.connectedAt }))
      : [],
    conns_active_at: tunnel.connectedAt,
    conns_inactive_at: tunnel.connected ? null : tunnel.disconnectedAt,
    tun_type: "cfd_tunnel",
    metadata: {},
    status: tunnelStatus(tunnel),
    remote_config: tunnel.remoteConfig,
  };
}

function findTunnel(store: FakeCloudflareStore, id: string | undefined): FakeTunnel {
  const tunnel = store.tunnels.find((candidate) => candidate.id === id);
  if (tunnel === undefined) {
    throw NOT_FOUND("Tunnel");
  }
  return tunnel;
}

/** Checks an ingress list the way the API does: valid services, no port in hostnames, catch-all last. */
function validateIngress(ingress: unknown): IngressRule[] {
  if (!Array.isArray(ingress) || ingress.length === 0) {
    throw BAD_REQUEST(1056, "Bad configuration: ingress must be a non-empty list");
  }
  const rules = ingress as IngressRule[];
  for (const rule of rules) {
    if (typeof rule.service !== "string" || !/^(https?:\/\/|unix:|tcp:\/\/|ssh:\/\/|rdp:\/\/|smb:\/\/|http_status:\d{3}$)/.test(rule.service)) {
      throw BAD_REQUEST(1056, `Bad configuration: invalid service ${JSON.stringify(rule.service)}`);
    }
    if (rule.hostname !== undefined && rule.hostname.includes(":")) {
      throw BAD_REQUEST(1056, `Bad configuration: hostname ${rule.hostname} must not contain a port`);
    }
  }
  const last = rules[rules.length - 1];
  if (last?.hostname !== undefined || last?.path !== undefined) {
    throw BAD_REQUEST(1056, "Bad configuration: The last ingress rule must match all URLs (i.e. it should not have a hostname or path filter)");
  }
  return rules;
}

function configJson(tunnel: FakeTunnel): Record<string, unknown> {
  return { account_id: tunnel.accountId, tunnel_id: tunnel.id, version: tunnel.configVersion, config: tunnel.config, source: "cloudflare", created_at: tunnel.configCreatedAt };
}

export function tunnelRoutes(store: FakeCloudflareStore): Route[] {
  const base = "/accounts/(?<account>[0-9a-f]{32})/cfd_tunnel";
  return [
    {
      method: "POST",
      pattern: `${base}`,
      permission: "tunnel:edit",
      handle: ({ body, response }) => {
        const { name, config_src: configSource } = (body ?? {}) as { name?: unknown; config_src?: unknown };
        if (typeof name !== "string" || name.trim() === "" || UUID.test(name)) {
          throw BAD_REQUEST(1003, "Invalid tunnel name: it must be a non-empty string that is not a UUID");
        }
        if (store.liveTunnels().some((tunnel) => tunnel.name === name)) {
          throw new ApiFailure(409, [{ code: 1013, message: "You already have a tunnel with this name. Delete the existing tunnel, or choose a different name for your new tunnel" }]);
        }
        const tunnel = store.createTunnel(name, configSource === "cloudflare");
        sendResult(response, {
          ...tunnelJson(tunnel),
          credentials_file: { AccountTag: tunnel.accountId, TunnelID: tunnel.id, TunnelName: tunnel.name, TunnelSecret: tunnel.secret },
          token: store.tunnelToken(tunnel),
        });
      },
    },
    {
      method: "GET",
      pattern: `${base}`,
      permission: "tunnel:read",
      handle: ({ query, response }) => {
        const name = query.get("name");
        const isDeleted = query.get("is_deleted");
        const matches = store.tunnels.filter(
          (tunnel) =>
            (name === null || tunnel.name === name) &&
            (isDeleted === null || (isDeleted === "true") === (tunnel.deletedAt !== null)),
        );
        const { page, info } = paginate(matches, query);
        sendResult(response, page.map(tunnelJson), { resultInfo: info });
      },
    },
    {
      method: "GET",
      pattern: `${base}/(?<tunnel>[0-9a-f-]{36})`,
      permission: "tunnel:read",
      handle: ({ params, response }) => sendResult(response, tunnelJson(findTunnel(store, params["tunnel"]))),
    },
    {
      method: "GET",
      pattern: `${base}/(?<tunnel>[0-9a-f-]{36})/token`,
      permission: "tunnel:edit",
      handle: ({ params, response }) => sendResult(response, store.tunnelToken(findTunnel(store, params["tunnel"]))),
    },
    {
      method: "PUT",
      pattern: `${base}/(?<tunnel>[0-9a-f-]{36})/configurations`,
      permission: "tunnel:edit",
      handle: ({ params, body, response }) => {
        const tunnel = findTunnel(store, params["tunnel"]);
        const config = (body as { config?: { ingress?: unknown } } | null)?.config;
        tunnel.config = { ingress: validateIngress(config?.ingress) };
        tunnel.configVersion += 1;
        tunnel.configCreatedAt = new Date().toISOString();
        sendResult(response, configJson(tunnel));
      },
    },
    {
      method: "GET",
      pattern: `${base}/(?<tunnel>[0-9a-f-]{36})/configurations`,
      permission: "tunnel:read",
      handle: ({ params, response }) => sendResult(response, configJson(findTunnel(store, params["tunnel"]))),
    },
    {
      method: "DELETE",
      pattern: `${base}/(?<tunnel>[0-9a-f-]{36})/connections`,
      permission: "tunnel:edit",
      handle: ({ params, response }) => {
        const tunnel = findTunnel(store, params["tunnel"]);
        if (tunnel.connected) {
          tunnel.connected = false;
          tunnel.disconnectedAt = new Date().toISOString();
        }
        sendResult(response, null);
      },
    },
    {
      method: "DELETE",
      pattern: `${base}/(?<tunnel>[0-9a-f-]{36})`,
      permission: "tunnel:edit",
      handle: ({ params, response }) => {
        const tunnel = findTunnel(store, params["tunnel"]);
        if (tunnel.connected) {
          throw BAD_REQUEST(1022, "Cannot delete a tunnel with active connections; clean up its connections first");
        }
        tunnel.deletedAt ??= new Date().toISOString();
        sendResult(response, tunnelJson(tunnel));
      },
    },
  ];
}
