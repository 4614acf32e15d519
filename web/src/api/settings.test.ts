import { afterEach, describe, expect, it, vi } from "vitest";

import { onUnauthorized } from "./client";
import { auditSearch, changePassword, fetchSetupStatus, setSecret } from "./settings";

describe("settings routes", () => {
  afterEach(() => {
    onUnauthorized(null);
  });

  it("puts a secret under its name", async () => {
    const fetch = vi.fn(() => Promise.resolve(new Response(null, { status: 204 })));
    vi.stubGlobal("fetch", fetch);
    await setSecret("hf_token", "hf_value");
    expect(fetch).toHaveBeenCalledWith("/api/secrets/hf_token", expect.objectContaining({ method: "PUT", body: JSON.stringify({ value: "hf_value" }) }));
  });

  it("keeps a wrong current password from signing out", async () => {
    const expired = vi.fn();
    onUnauthorized(expired);
    vi.stubGlobal("fetch", () => Promise.resolve(new Response(JSON.stringify({ error: { code: "unauthorized", message: "wrong" } }), { status: 401 })));
    await changePassword("wrong-one", "new-password-12");
    expect(expired).not.toHaveBeenCalled();
  });

  it("rejects a setup status outside the schema", async () => {
    vi.stubGlobal("fetch", () => Promise.resolve(new Response(JSON.stringify({ setup_required: "yes" }), { status: 200 })));
    const result = await fetchSetupStatus();
    expect(result.ok ? null : result.error.code).toBe("invalid_response");
  });

  it("encodes audit filters into the query string", () => {
    expect(auditSearch({ actor: "backup script", limit: 50 })).toBe("?actor=backup+script&limit=50");
  });

  it("sends no query string without filters", () => {
    expect(auditSearch({})).toBe("");
  });
});
