import { SELF, env } from "cloudflare:test";
import { errorBodySchema } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { app } from "../src/app.js";
import { ORIGIN, PASSWORD, call, createInstance, login, openBrowser } from "./helpers.js";

async function errorCode(response: Response): Promise<string> {
  return errorBodySchema.parse(await response.json()).error.code;
}

describe("login", () => {
  it("sets a signed session cookie for the right password", async () => {
    const response = await call("/api/auth/login", { body: { password: PASSWORD } });

    expect(response.status).toBe(204);
    const cookie = response.headers.get("Set-Cookie") ?? "";
    expect(cookie).toMatch(/^cc_session=v2-[0-9a-f]{32}\.[A-Za-z0-9%]+;/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).toContain("Secure");
  });

  it("omits Secure on http://localhost", async () => {
    const response = await SELF.fetch("http://localhost:8787/api/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ password: PASSWORD }),
    });

    expect(response.status).toBe(204);
    expect(response.headers.get("Set-Cookie")).not.toContain("Secure");
  });

  it("rejects a wrong password with 401", async () => {
    const response = await call("/api/auth/login", { body: { password: "wrong" } });

    expect(response.status).toBe(401);
    expect(await errorCode(response)).toBe("unauthorized");
    expect(response.headers.get("Set-Cookie")).toBeNull();
  });

  it("explains how to set a missing SESSION_SECRET", async () => {
    const response = await app.request(
      `${ORIGIN}/api/auth/login`,
      { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ password: "" }) },
      { ...env, SESSION_SECRET: undefined },
    );

    expect(response.status).toBe(500);
    const { error } = errorBodySchema.parse(await response.json());
    expect(error.message).toContain("SESSION_SECRET is not set");
    expect(error.message).toContain("wrangler secret put SESSION_SECRET");
  });

  it("rejects a body that is not JSON", async () => {
    const response = await call("/api/auth/login", { body: "{password" });

    expect(response.status).toBe(400);
    expect(await errorCode(response)).toBe("invalid_message");
  });

  it("rejects a cross-origin login with 403", async () => {
    const response = await call("/api/auth/login", { body: { password: PASSWORD }, headers: { Origin: "https://evil.test" } });

    expect(response.status).toBe(403);
    expect(await errorCode(response)).toBe("forbidden");
  });

  it("accepts an origin listed in ALLOWED_ORIGINS", async () => {
    const response = await app.request(
      `${ORIGIN}/api/auth/login`,
      { method: "POST", headers: { "Content-Type": "application/json", Origin: "http://localhost:5173" }, body: JSON.stringify({ password: PASSWORD }) },
      { ...env, ALLOWED_ORIGINS: "http://localhost:5173" },
    );

    expect(response.status).toBe(204);
  });
});

describe("session", () => {
  it("reports the session and its expiry", async () => {
    const cookie = await login();
    const response = await call("/api/auth/session", { cookie });

    expect(response.status).toBe(200);
    const body = await response.json<{ authenticated: boolean; expires_at: string }>();
    expect(body.authenticated).toBe(true);
    expect(Date.parse(body.expires_at)).toBeGreaterThan(Date.now());
  });

  it("rejects a tampered cookie", async () => {
    const cookie = await login();
    const tampered = cookie.replace(/v2-[0-9a-f]{32}/, `v2-${"0".repeat(32)}`);
    const response = await call("/api/auth/session", { cookie: tampered });

    expect(response.status).toBe(401);
  });

  it("clears the cookie on logout", async () => {
    const cookie = await login();
    const response = await call("/api/auth/logout", { method: "POST", cookie });

    expect(response.status).toBe(204);
    expect(response.headers.get("Set-Cookie")).toMatch(/^cc_session=;.*Max-Age=0/);
  });
});

describe("anonymous requests", () => {
  const protectedRoutes: Array<[string, string, unknown]> = [
    ["GET", "/api/instances", undefined],
    ["POST", "/api/instances", { name: "x" }],
    ["GET", "/api/instances/some-id/overview", undefined],
    ["POST", "/api/instances/some-id/commands", { name: "comfyui.queue.clear" }],
    ["GET", "/api/auth/session", undefined],
    ["POST", "/api/auth/logout", undefined],
    ["GET", "/api/no-such-route", undefined],
  ];

  for (const [method, path, body] of protectedRoutes) {
    it(`get 401 from ${method} ${path}`, async () => {
      const response = await call(path, { method, body });

      expect(response.status).toBe(401);
      expect(await errorCode(response)).toBe("unauthorized");
    });
  }

  it("reach the health check", async () => {
    const response = await call("/api/health");

    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, protocol_version: 1 });
  });

  it("reach the static dashboard", async () => {
    const response = await call("/", { headers: { "Sec-Fetch-Mode": "navigate" } });

    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/html");
  });

  it("get an unauthorized close on the browser socket", async () => {
    const { instance_id } = await createInstance(await login());
    const browser = await openBrowser(instance_id, null);

    const frame = await browser.next("error");
    expect(frame.error.code).toBe("unauthorized");
    expect(await browser.closed()).toEqual({ code: 4000, reason: "unauthorized" });
  });
});
