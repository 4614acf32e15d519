/** Routes for zones and DNS records. */
import { randomBytes } from "node:crypto";

import { BAD_REQUEST, NOT_FOUND, paginate, sendResult } from "./envelope.js";
import type { Route } from "./router.js";
import type { FakeCloudflareStore, FakeDnsRecord } from "./store.js";

function recordJson(record: FakeDnsRecord): Record<string, unknown> {
  return {
    id: record.id,
    name: record.name,
    type: record.type,
    content: record.content,
    proxiable: true,
    proxied: record.proxied,
    ttl: record.ttl,
    settings: {},
    meta: {},
    comment: null,
    tags: [],
    created_on: record.createdOn,
    modified_on: record.modifiedOn,
  };
}

interface RecordBody {
  type?: unknown;
  name?: unknown;
  content?: unknown;
  proxied?: unknown;
  ttl?: unknown;
}

/** Rejects a record whose name clashes with another, with the codes Cloudflare uses. */
function checkClash(store: FakeCloudflareStore, zoneId: string, body: RecordBody, exceptId: string | null): void {
  const sameName = store.records.filter((record) => record.zoneId === zoneId && record.name === body.name && record.id !== exceptId);
  if (sameName.some((record) => record.type === body.type && record.content === body.content)) {
    throw BAD_REQUEST(81057, "Record already exists.");
  }
  if (body.type === "CNAME" && sameName.some((record) => ["A", "AAAA", "CNAME"].includes(record.type))) {
    throw BAD_REQUEST(81053, "An A, AAAA, or CNAME record with that host already exists.");
  }
  if ((body.type === "A" || body.type === "AAAA") && sameName.some((record) => record.type === "CNAME")) {
    throw BAD_REQUEST(81054, "A CNAME record with that host already exists.");
  }
}

function parseRecord(body: unknown): Required<Pick<RecordBody, "type" | "name" | "content">> & { type: string; name: string; content: string; proxied: boolean; ttl: number } {
  const record = (body ?? {}) as RecordBody;
  if (typeof record.type !== "string" || typeof record.name !== "string" || typeof record.content !== "string") {
    throw BAD_REQUEST(9005, "DNS record needs type, name and content");
  }
  return { type: record.type, name: record.name, content: record.content, proxied: record.proxied === true, ttl: typeof record.ttl === "number" ? record.ttl : 1 };
}

export function dnsRoutes(store: FakeCloudflareStore): Route[] {
  const zoneOf = (id: string | undefined) => {
    const zone = store.zones.find((candidate) => candidate.id === id);
    if (zone === undefined) {
      throw NOT_FOUND("Zone");
    }
    return zone;
  };
  const recordOf = (zoneId: string, id: string | undefined) => {
    const record = store.records.find((candidate) => candidate.zoneId === zoneId && candidate.id === id);
    if (record === undefined) {
      throw BAD_REQUEST(81044, "Record does not exist.");
    }
    return record;
  };
  const zoneBase = "/zones/(?<zone>[0-9a-f]{32})/dns_records";

  return [
    {
      method: "GET",
      pattern: "/zones",
      permission: "zone:read",
      handle: ({ query, response }) => {
        const name = query.get("name");
        const matches = store.zones.filter((zone) => name === null || zone.name === name);
        const { page, info } = paginate(matches, query);
        const zones = page.map((zone) => ({ id: zone.id, name: zone.name, status: "active", paused: false, type: "full", name_servers: ["ada.ns.cloudflare.com", "bob.ns.cloudflare.com"], account: { id: zone.accountId, name: "Fake account" }, permissions: [], plan: { name: "Free Website" } }));
        sendResult(response, zones, { resultInfo: info });
      },
    },
    {
      method: "GET",
      pattern: zoneBase,
      permission: "dns:read",
      handle: ({ params, query, response }) => {
        const zone = zoneOf(params["zone"]);
        const type = query.get("type");
        const name = query.get("name");
        const matches = store.records.filter((record) => record.zoneId === zone.id && (type === null || record.type === type) && (name === null || record.name === name));
        const { page, info } = paginate(matches, query, 100);
        sendResult(response, page.map(recordJson), { resultInfo: info });
      },
    },
    {
      method: "POST",
      pattern: zoneBase,
      permission: "dns:edit",
      handle: ({ params, body, response }) => {
        const zone = zoneOf(params["zone"]);
        const parsed = parseRecord(body);
        checkClash(store, zone.id, parsed, null);
        const now = new Date().toISOString();
        const record: FakeDnsRecord = { id: randomBytes(16).toString("hex"), zoneId: zone.id, ...parsed, createdOn: now, modifiedOn: now };
        store.records.push(record);
        sendResult(response, recordJson(record));
      },
    },
    ...(["PUT", "PATCH"] as const).map(
      (method): Route => ({
        method,
        pattern: `${zoneBase}/(?<record>[0-9a-f]{32})`,
        permission: "dns:edit",
        handle: ({ params, body, response }) => {
          const zone = zoneOf(params["zone"]);
          const record = recordOf(zone.id, params["record"]);
          const parsed = method === "PUT" ? parseRecord(body) : parseRecord({ ...recordJson(record), ...(body as object) });
          checkClash(store, zone.id, parsed, record.id);
          Object.assign(record, parsed, { modifiedOn: new Date().toISOString() });
          sendResult(response, recordJson(record));
        },
      }),
    ),
    {
      method: "DELETE",
      pattern: `${zoneBase}/(?<record>[0-9a-f]{32})`,
      permission: "dns:edit",
      handle: ({ params, response }) => {
        const zone = zoneOf(params["zone"]);
        const record = recordOf(zone.id, params["record"]);
        store.records.splice(store.records.indexOf(record), 1);
        sendResult(response, { id: record.id });
      },
    },
  ];
}
