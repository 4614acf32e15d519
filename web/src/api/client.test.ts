import { instanceListSchema } from "@comfycarry/shared";
import { afterEach, describe, expect, it, vi } from "vitest";

import { onUnauthorized, requestJson } from "./client";

function respond(status: number, body: unknown): void {
  vi.stubGlobal("fetch", () => Promise.resolve(new Response(JSON.stringify(body), { status })));
}

describe("requestJson", () => {
  afterEach(() => {
    onUnauthorized(null);
  });

  it("returns the parsed body", async () => {
    respond(200, { instances: [] });
    expect(await requestJson("GET", "/api/instances", instanceListSchema)).toEqual({ ok: true, value: { instances: [] } });
  });

  it("rejects a body outside the schema", async () => {
    respond(200, { instances: "none" });
    const result = await requestJson("GET", "/api/instances", instanceListSchema);
    expect(result.ok ? null : result.error.code).toBe("invalid_response");
  });

  it("returns the edge's error code", async () => {
    respond(429, { error: { code: "rate_limited", message: "slow down", params: { retry_after_s: 30 } } });
    const result = await requestJson("GET", "/api/instances", instanceListSchema);
    expect(result.ok ? null : result.error).toEqual({ code: "rate_limited", message: "slow down", params: { retry_after_s: 30 }, status: 429 });
  });

  it("reports a 401 to the app", async () => {
    const handler = vi.fn();
    onUnauthorized(handler);
    respond(401, { error: { code: "unauthorized", message: "expired" } });
    await requestJson("GET", "/api/instances", instanceListSchema);
    expect(handler).toHaveBeenCalledOnce();
  });

  it("keeps an expected 401 to itself", async () => {
    const handler = vi.fn();
    onUnauthorized(handler);
    respond(401, { error: { code: "unauthorized", message: "wrong password" } });
    await requestJson("GET", "/api/auth/session", instanceListSchema, { expectUnauthorized: true });
    expect(handler).not.toHaveBeenCalled();
  });

  it("turns a network failure into network_error", async () => {
    vi.stubGlobal("fetch", () => Promise.reject(new TypeError("Failed to fetch")));
    const result = await requestJson("GET", "/api/instances", instanceListSchema);
    expect(result.ok ? null : result.error.code).toBe("network_error");
  });
});
