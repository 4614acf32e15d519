/**
 * API mode with a Cloudflare API token. It creates or reuses the named tunnel, points its
 * ingress at the access proxy and creates the DNS records, and removes them on request.
 * Every step is idempotent, so a second run reuses what the first created.
 */
import { ComfyCarryError } from "@comfycarry/shared";
import type { TunnelService } from "@comfycarry/shared";
import { z } from "zod";

import type { Logger } from "../log/logger.js";
import type { CloudflareClient } from "./cloudflare-api.js";
import type { ApiState } from "./store.js";

const zoneSchema = z.object({ id: z.string(), name: z.string(), account: z.object({ id: z.string() }).loose() }).loose();
const tunnelSchema = z.object({ id: z.string(), name: z.string(), deleted_at: z.string().nullable().optional() }).loose();
const recordSchema = z.object({ id: z.string(), type: z.string(), name: z.string(), content: z.string() }).loose();

export interface ProvisionInput {
  client: CloudflareClient;
  instanceId: string;
  domain: string;
  subdomain: string;
  /** Needed for account-owned tokens; otherwise taken from the zone. */
  accountId: string | null;
  services: readonly TunnelService[];
  /** Origin every hostname leads to: the access proxy, e.g. `http://127.0.0.1:8189`. */
  origin: string;
  previous: ApiState | null;
  log: Logger;
}

/** Returns the hostname of ComfyUI (service null) or of a service. It is one label under the zone, so the zone's universal certificate covers it. */
export function apiHostname(domain: string, subdomain: string, service: string | null): string {
  return service === null ? `${subdomain}.${domain}` : `${subdomain}-${service}.${domain}`;
}

/** Returns the tunnel's name at Cloudflare, one per instance. */
export function tunnelName(instanceId: string): string {
  return `comfycarry-${instanceId.toLowerCase().replace(/[^a-z0-9-]+/g, "-")}`.slice(0, 63);
}

function fail(reason: string, message: string): ComfyCarryError {
  return new ComfyCarryError("tunnel_failed", message, { reason, detail: message });
}

async function verifyToken(client: CloudflareClient, accountId: string | null): Promise<void> {
  const verified = z.object({ status: z.string() }).loose();
  try {
    const result = await client.call("Checking the API token", "GET", "/user/tokens/verify", verified);
    if (result.status !== "active") {
      throw fail("cloudflare_auth", `The API token is ${result.status}, not active. Create a new token in the Cloudflare dashboard.`);
    }
  } catch (error) {
    // Account-owned tokens fail the user endpoint with code 1000 but pass the account one.
    if (accountId === null || !(error instanceof ComfyCarryError) || error.params?.["reason"] !== "cloudflare_auth") {
      throw error;
    }
    await client.call("Checking the account API token", "GET", `/accounts/${accountId}/tokens/verify`, verified);
  }
}

async function findZone(client: CloudflareClient, domain: string): Promise<z.infer<typeof zoneSchema>> {
  const zones = await client.call(`Looking up the zone ${domain}`, "GET", `/zones?name=${encodeURIComponent(domain)}`, z.array(zoneSchema));
  const zone = zones.find((candidate) => candidate.name === domain);
  if (zone === undefined) {
    throw fail("zone_not_found", `The domain ${domain} is not a zone this API token can see. Add the domain to Cloudflare, or give the token Zone › Zone › Read on it.`);
  }
  return zone;
}

async function findOrCreateTunnel(client: CloudflareClient, accountId: string, name: string, previousId: string | null, log: Logger): Promise<string> {
  const base = `/accounts/${accountId}/cfd_tunnel`;
  if (previousId !== null) {
    const listed = await client.call("Looking up the saved tunnel", "GET", `${base}?is_deleted=false&per_page=100`, z.array(tunnelSchema));
    if (listed.some((tunnel) => tunnel.id === previousId)) {
      return previousId;
    }
  }
  const byName = await client.call(`Looking up tunnel ${name}`, "GET", `${base}?name=${encodeURIComponent(name)}&is_deleted=false`, z.array(tunnelSchema));
  const existing = byName.find((tunnel) => tunnel.name === name && (tunnel.deleted_at ?? null) === null);
  if (existing !== undefined) {
    log.info({ tunnelId: existing.id, tunnelName: name }, "reusing the named tunnel");
    return existing.id;
  }
  const created = await client.call(`Creating tunnel ${name}`, "POST", base, tunnelSchema, { name, config_src: "cloudflare" });
  log.info({ tunnelId: created.id, tunnelName: name }, "named tunnel created");
  return created.id;
}

/** Creates or reuses the CNAME for `hostname`; a record that is not ours and points elsewhere stops the run. */
async function ensureRecord(client: CloudflareClient, zoneId: string, hostname: string, target: string, ownId: string | undefined): Promise<string> {
  const path = `/zones/${zoneId}/dns_records`;
  const found = await client.call(`Looking up the DNS record ${hostname}`, "GET", `${path}?name=${encodeURIComponent(hostname)}`, z.array(recordSchema));
  const record = { type: "CNAME", name: hostname, content: target, proxied: true, ttl: 1, comment: "ComfyCarry tunnel" };

  const same = found.find((candidate) => candidate.type === "CNAME" && candidate.content === target);
  if (same !== undefined) {
    return same.id;
  }
  const ours = found.find((candidate) => candidate.id === ownId);
  if (ours !== undefined) {
    return (await client.call(`Updating the DNS record ${hostname}`, "PUT", `${path}/${ours.id}`, recordSchema, record)).id;
  }
  const other = found[0];
  if (other !== undefined) {
    throw fail("dns_conflict", `A ${other.type} record for ${hostname} already exists and points to ${other.content}. Delete it in the Cloudflare dashboard or choose another subdomain.`);
  }
  return (await client.call(`Creating the DNS record ${hostname}`, "POST", path, recordSchema, record)).id;
}

/** Runs the whole setup and returns what now exists plus the token cloudflared runs with. */
export async function provision(input: ProvisionInput): Promise<{ state: ApiState; tunnelToken: string }> {
  const { client, domain, subdomain, log } = input;
  await verifyToken(client, input.accountId);
  const zone = await findZone(client, domain);
  const accountId = input.accountId ?? zone.account.id;
  const previousTunnel = input.previous?.domain === domain ? input.previous.tunnel_id : null;
  const tunnelId = await findOrCreateTunnel(client, accountId, tunnelName(input.instanceId), previousTunnel, log);

  const hostnames = [apiHostname(domain, subdomain, null), ...input.services.map((service) => apiHostname(domain, subdomain, service.name))];
  // Every hostname leads to the access proxy, which picks ComfyUI or a service by Host.
  const ingress = [...hostnames.map((hostname) => ({ hostname, service: input.origin, originRequest: {} })), { service: "http_status:404" }];
  await client.call("Setting the tunnel's ingress", "PUT", `/accounts/${accountId}/cfd_tunnel/${tunnelId}/configurations`, z.unknown(), { config: { ingress } });

  const previousRecords = input.previous?.zone_id === zone.id ? input.previous.records : {};
  const records: Record<string, string> = {};
  for (const hostname of hostnames) {
    records[hostname] = await ensureRecord(client, zone.id, hostname, `${tunnelId}.cfargotunnel.com`, previousRecords[hostname]);
  }
  for (const [hostname, id] of Object.entries(previousRecords)) {
    if (!(hostname in records)) {
      await deleteRecord(client, zone.id, hostname, id);
    }
  }

  const tunnelToken = await client.call("Reading the tunnel token", "GET", `/accounts/${accountId}/cfd_tunnel/${tunnelId}/token`, z.string().min(1));
  log.info({ tunnelId, hostnames }, "named tunnel, ingress and DNS records are in place");
  return { state: { domain, subdomain, account_id: accountId, zone_id: zone.id, tunnel_id: tunnelId, records, origin: input.origin }, tunnelToken };
}

async function deleteRecord(client: CloudflareClient, zoneId: string, hostname: string, id: string): Promise<void> {
  try {
    await client.call(`Deleting the DNS record ${hostname}`, "DELETE", `/zones/${zoneId}/dns_records/${id}`, z.unknown());
  } catch (error) {
    // 81044: the record is already gone, which is what removal wants.
    if (!(error instanceof ComfyCarryError && error.message.includes("code 81044"))) {
      throw error;
    }
  }
}

/** Deletes the DNS records and the tunnel that `state` lists. */
export async function unprovision(client: CloudflareClient, state: ApiState, log: Logger): Promise<void> {
  if (state.zone_id !== null) {
    for (const [hostname, id] of Object.entries(state.records)) {
      await deleteRecord(client, state.zone_id, hostname, id);
    }
  }
  if (state.tunnel_id !== null && state.account_id !== null) {
    const base = `/accounts/${state.account_id}/cfd_tunnel/${state.tunnel_id}`;
    // Cloudflare refuses to delete a tunnel with live connections (code 1022), so clean them first.
    await client.call("Closing the tunnel's connections", "DELETE", `${base}/connections`, z.unknown());
    await client.call("Deleting the tunnel", "DELETE", base, z.unknown());
  }
  log.info({ tunnelId: state.tunnel_id, records: Object.keys(state.records) }, "named tunnel and DNS records removed");
}
