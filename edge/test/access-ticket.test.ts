import { accessKeyResponseSchema, accessTicketResponseSchema, accessTokenCheckResponseSchema, apiTokenCreatedSchema, splitAccessTicket } from "@comfycarry/shared";
import type { ApiScope } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { call, createInstance, login } from "./helpers.js";

// The edge's half of the access proxy login: tickets for the owner, the key and token checks for reporters.

function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

async function createApiToken(cookie: string, scope: ApiScope) {
  const response = await call("/api/tokens", { cookie, body: { name: `proxy ${crypto.randomUUID().slice(0, 6)}`, scope } });
  expect(response.status).toBe(201);
  return apiTokenCreatedSchema.parse(await response.json());
}

async function fetchKey(token: string): Promise<Uint8Array<ArrayBuffer>> {
  const response = await call("/api/reporter/access/key", { headers: bearer(token), origin: null });
  expect(response.status).toBe(200);
  const { key } = accessKeyResponseSchema.parse(await response.json());
  return Uint8Array.from(atob(key.replaceAll("-", "+").replaceAll("_", "/")), (char) => char.charCodeAt(0));
}

async function issueTicket(cookie: string, instanceId: string, body?: unknown): Promise<Response> {
  return call(`/api/instances/${instanceId}/access-ticket`, { method: "POST", cookie, ...(body === undefined ? {} : { body }) });
}

async function verifyToken(instanceToken: string, token: string) {
  const response = await call("/api/reporter/access/verify-token", { headers: bearer(instanceToken), origin: null, body: { token } });
  expect(response.status).toBe(200);
  return accessTokenCheckResponseSchema.parse(await response.json());
}

describe("access ticket", () => {
  it("is signed with the key the reporter fetches", async () => {
    const cookie = await login();
    const instance = await createInstance(cookie);
    const response = await issueTicket(cookie, instance.instance_id);
    const { ticket } = accessTicketResponseSchema.parse(await response.json());
    const parts = splitAccessTicket(ticket);
    const key = await crypto.subtle.importKey("raw", await fetchKey(instance.token), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
    const signature = Uint8Array.from(atob((parts?.signature ?? "").replaceAll("-", "+").replaceAll("_", "/")), (char) => char.charCodeAt(0));

    expect(await crypto.subtle.verify("HMAC", key, signature, new TextEncoder().encode(parts?.signed ?? ""))).toBe(true);
  });

  it("names its instance", async () => {
    const cookie = await login();
    const instance = await createInstance(cookie);
    const { ticket } = accessTicketResponseSchema.parse(await (await issueTicket(cookie, instance.instance_id)).json());

    expect(splitAccessTicket(ticket)?.instanceId).toBe(instance.instance_id);
  });

  it("expires one minute after it is issued", async () => {
    const cookie = await login();
    const instance = await createInstance(cookie);
    const before = Date.now();
    const { ticket } = accessTicketResponseSchema.parse(await (await issueTicket(cookie, instance.instance_id)).json());
    const expiresAtMs = splitAccessTicket(ticket)?.expiresAtMs ?? 0;

    expect(expiresAtMs - before).toBeGreaterThanOrEqual(60_000);
    expect(expiresAtMs - Date.now()).toBeLessThanOrEqual(60_000);
  });

  it("comes with a login path to the requested page", async () => {
    const cookie = await login();
    const instance = await createInstance(cookie);
    const body = accessTicketResponseSchema.parse(await (await issueTicket(cookie, instance.instance_id, { next: "/queue" })).json());

    expect(body.login_path).toBe(`/__cc/login?${new URLSearchParams({ ticket: body.ticket, next: "/queue" }).toString()}`);
  });

  it("rejects a next that leaves the proxy", async () => {
    const cookie = await login();
    const instance = await createInstance(cookie);

    expect((await issueTicket(cookie, instance.instance_id, { next: "//evil.example/" })).status).toBe(400);
  });

  it("is not issued to an API token", async () => {
    const cookie = await login();
    const instance = await createInstance(cookie);
    const token = await createApiToken(cookie, "admin");
    const response = await call(`/api/instances/${instance.instance_id}/access-ticket`, { method: "POST", headers: bearer(token.token), origin: null });

    expect(response.status).toBe(403);
  });

  it("is not issued for an unknown instance", async () => {
    const cookie = await login();

    expect((await issueTicket(cookie, "no-such-instance")).status).toBe(404);
  });

  it("is not issued anonymously", async () => {
    const cookie = await login();
    const instance = await createInstance(cookie);

    expect((await call(`/api/instances/${instance.instance_id}/access-ticket`, { method: "POST" })).status).toBe(401);
  });
});

describe("access key", () => {
  it("differs between instances", async () => {
    const cookie = await login();
    const first = await fetchKey((await createInstance(cookie)).token);
    const second = await fetchKey((await createInstance(cookie)).token);

    expect(first).not.toEqual(second);
  });

  it("stays the same for one instance", async () => {
    const cookie = await login();
    const instance = await createInstance(cookie);

    expect(await fetchKey(instance.token)).toEqual(await fetchKey(instance.token));
  });

  it("is refused without an instance token", async () => {
    expect((await call("/api/reporter/access/key", { origin: null })).status).toBe(401);
  });

  it("is refused to an API token", async () => {
    const cookie = await login();
    const token = await createApiToken(cookie, "admin");

    expect((await call("/api/reporter/access/key", { headers: bearer(token.token), origin: null })).status).toBe(401);
  });
});

describe("token check for the proxy", () => {
  it("accepts a live API token with its scope", async () => {
    const cookie = await login();
    const instance = await createInstance(cookie);
    const token = await createApiToken(cookie, "control");

    expect(await verifyToken(instance.token, token.token)).toEqual({ valid: true, token_id: token.id, scope: "control" });
  });

  it("rejects a revoked API token", async () => {
    const cookie = await login();
    const instance = await createInstance(cookie);
    const token = await createApiToken(cookie, "control");
    await call(`/api/tokens/${token.id}`, { method: "DELETE", cookie });

    expect(await verifyToken(instance.token, token.token)).toEqual({ valid: false });
  });

  it("rejects an instance token posing as an API token", async () => {
    const cookie = await login();
    const instance = await createInstance(cookie);

    expect(await verifyToken(instance.token, instance.token)).toEqual({ valid: false });
  });

  it("is refused without an instance token", async () => {
    const response = await call("/api/reporter/access/verify-token", { origin: null, body: { token: "cca_x" } });

    expect(response.status).toBe(401);
  });
});
