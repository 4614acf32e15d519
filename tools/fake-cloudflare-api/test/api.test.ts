import { afterAll, beforeAll, describe, expect, test } from "vitest";

import { FakeCloudflareStore, startFakeCloudflareApi } from "../src/index.js";
import type { FakeCloudflareApi } from "../src/index.js";

const FULL = "full_token_0123456789abcdef";
const DNS_ONLY = "dns_only_token_0123456789";
const ACCOUNT = "account_token_0123456789ab";

let api: FakeCloudflareApi;
let zoneId: string;

beforeAll(async () => {
  const store = new FakeCloudflareStore();
  store.addToken(FULL, ["tunnel:edit", "dns:edit"]);
  store.addToken(DNS_ONLY, ["dns:edit"]);
  store.addToken(ACCOUNT, ["tunnel:edit", "dns:edit"], { owner: "account" });
  zoneId = store.addZone("example.com").id;
  api = await startFakeCloudflareApi({}, store);
});

afterAll(async () => {
  await api.close();
});

async function call(method: string, path: string, token: string | null, body?: unknown): Promise<{ status: number; json: { success: boolean; errors: { code: number; message: string }[]; result: unknown; messages: unknown[] } }> {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (token !== null) {
    headers["Authorization"] = token.startsWith("raw:") ? token.slice(4) : `Bearer ${token}`;
  }
  const response = await fetch(`${api.url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, json: (await response.json()) as never };
}

describe("fake Cloudflare API", () => {
  test("user token verifies with message 10000", async () => {
    const { status, json } = await call("GET", "/user/tokens/verify", FULL);
    expect(status).toBe(200);
    expect(json.messages).toEqual([{ code: 10000, message: "This API Token is valid and active", type: null }]);
  });

  test("account token fails user verify with 1000", async () => {
    const { status, json } = await call("GET", "/user/tokens/verify", ACCOUNT);
    expect(status).toBe(401);
    expect(json.errors[0]?.code).toBe(1000);
  });

  test("account token passes account verify", async () => {
    const { status } = await call("GET", `/accounts/${api.store.accountId}/tokens/verify`, ACCOUNT);
    expect(status).toBe(200);
  });

  test("malformed Authorization header gives 6003 with 6111", async () => {
    const { status, json } = await call("GET", "/zones?name=example.com", "raw:Bearer bad token!");
    expect(status).toBe(400);
    expect(json.errors[0]).toMatchObject({ code: 6003, error_chain: [{ code: 6111 }] });
  });

  test("missing tunnel permission gives 403 10000", async () => {
    const { status, json } = await call("POST", `/accounts/${api.store.accountId}/cfd_tunnel`, DNS_ONLY, { name: "t1", config_src: "cloudflare" });
    expect(status).toBe(403);
    expect(json.errors[0]).toEqual({ code: 10000, message: "Authentication error" });
  });

  test("unknown zone name returns an empty list", async () => {
    const { status, json } = await call("GET", "/zones?name=nowhere.example", FULL);
    expect(status).toBe(200);
    expect(json.result).toEqual([]);
  });

  test("duplicate tunnel name gives 409 1013", async () => {
    const first = await call("POST", `/accounts/${api.store.accountId}/cfd_tunnel`, FULL, { name: "dup", config_src: "cloudflare" });
    const second = await call("POST", `/accounts/${api.store.accountId}/cfd_tunnel`, FULL, { name: "dup", config_src: "cloudflare" });
    expect(first.status).toBe(200);
    expect(second.status).toBe(409);
    expect(second.json.errors[0]?.code).toBe(1013);
  });

  test("ingress without catch-all is rejected", async () => {
    const created = await call("POST", `/accounts/${api.store.accountId}/cfd_tunnel`, FULL, { name: "cfg", config_src: "cloudflare" });
    const id = (created.json.result as { id: string }).id;
    const { status, json } = await call("PUT", `/accounts/${api.store.accountId}/cfd_tunnel/${id}/configurations`, FULL, { config: { ingress: [{ hostname: "a.example.com", service: "http://127.0.0.1:1" }] } });
    expect(status).toBe(400);
    expect(json.errors[0]?.message).toContain("The last ingress rule must match all URLs");
  });

  test("CNAME over an existing record gives 81053", async () => {
    const record = { type: "CNAME", name: "clash.example.com", content: "x.cfargotunnel.com", proxied: true, ttl: 1 };
    await call("POST", `/zones/${zoneId}/dns_records`, FULL, { ...record, type: "A", content: "192.0.2.1" });
    const { status, json } = await call("POST", `/zones/${zoneId}/dns_records`, FULL, record);
    expect(status).toBe(400);
    expect(json.errors[0]?.code).toBe(81053);
  });

  test("injected HTML 502 reaches the client", async () => {
    api.injectFault({ status: 502, pathIncludes: "/zones" });
    const response = await fetch(`${api.url}/zones`, { headers: { Authorization: `Bearer ${FULL}` } });
    expect(response.status).toBe(502);
    expect(response.headers.get("content-type")).toBe("text/html");
  });

  test("rate limit answers 429 971 with Retry-After", async () => {
    const limited = await startFakeCloudflareApi({ rateLimit: { requests: 2, windowMs: 60_000 } }, api.store);
    try {
      const send = () => fetch(`${limited.url}/user/tokens/verify`, { headers: { Authorization: `Bearer ${FULL}` } });
      await send();
      await send();
      const third = await send();
      const json = (await third.json()) as { errors: { code: number }[] };
      expect(third.status).toBe(429);
      expect(json.errors[0]?.code).toBe(971);
      expect(Number(third.headers.get("retry-after"))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});
