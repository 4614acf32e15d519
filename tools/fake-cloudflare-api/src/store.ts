/** The fake account's state: API tokens, zones, tunnels with their configurations, DNS records. */
import { randomBytes, randomUUID } from "node:crypto";

export type Permission = "tunnel:edit" | "tunnel:read" | "dns:edit" | "dns:read" | "zone:read";

export interface FakeToken {
  value: string;
  id: string;
  /** User tokens verify at /user/tokens/verify, account tokens only at /accounts/{id}/tokens/verify. */
  owner: "user" | "account";
  status: "active" | "disabled" | "expired";
  permissions: Permission[];
}

export interface FakeZone {
  id: string;
  name: string;
  accountId: string;
}

export interface IngressRule {
  hostname?: string;
  service: string;
  path?: string;
  originRequest?: Record<string, unknown>;
}

export interface FakeTunnel {
  id: string;
  name: string;
  accountId: string;
  secret: string;
  createdAt: string;
  deletedAt: string | null;
  remoteConfig: boolean;
  connectedAt: string | null;
  disconnectedAt: string;
  connected: boolean;
  configVersion: number;
  config: { ingress: IngressRule[] } | null;
  configCreatedAt: string | null;
}

export interface FakeDnsRecord {
  id: string;
  zoneId: string;
  type: string;
  name: string;
  content: string;
  proxied: boolean;
  ttl: number;
  createdOn: string;
  modifiedOn: string;
}

function hex32(): string {
  return randomBytes(16).toString("hex");
}

export class FakeCloudflareStore {
  readonly accountId: string;
  readonly tokens = new Map<string, FakeToken>();
  readonly zones: FakeZone[] = [];
  readonly tunnels: FakeTunnel[] = [];
  readonly records: FakeDnsRecord[] = [];

  constructor(accountId = hex32()) {
    this.accountId = accountId;
  }

  /** Adds an API token; `value` must look like a real one (letters, digits, `_` and `-`). */
  addToken(value: string, permissions: Permission[], options: { owner?: FakeToken["owner"]; status?: FakeToken["status"] } = {}): FakeToken {
    const token: FakeToken = { value, id: hex32(), owner: options.owner ?? "user", status: options.status ?? "active", permissions };
    this.tokens.set(value, token);
    return token;
  }

  addZone(name: string): FakeZone {
    const zone = { id: hex32(), name, accountId: this.accountId };
    this.zones.push(zone);
    return zone;
  }

  createTunnel(name: string, remoteConfig: boolean): FakeTunnel {
    const now = new Date().toISOString();
    const tunnel: FakeTunnel = {
      id: randomUUID(),
      name,
      accountId: this.accountId,
      secret: randomBytes(32).toString("base64"),
      createdAt: now,
      deletedAt: null,
      remoteConfig,
      connectedAt: null,
      disconnectedAt: now,
      connected: false,
      configVersion: 0,
      config: null,
      configCreatedAt: null,
    };
    this.tunnels.push(tunnel);
    return tunnel;
  }

  liveTunnels(): FakeTunnel[] {
    return this.tunnels.filter((tunnel) => tunnel.deletedAt === null);
  }

  /** Returns the token cloudflared runs with: base64 of `{"a","t","s"}`. */
  tunnelToken(tunnel: FakeTunnel): string {
    return Buffer.from(JSON.stringify({ a: tunnel.accountId, t: tunnel.id, s: tunnel.secret })).toString("base64");
  }
}
