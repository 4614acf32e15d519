import { SELF, env, runInDurableObject } from "cloudflare:test";
import { CSRF_HEADER, errorBodySchema, sessionInfoSchema } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { app } from "../src/app.js";
import { PBKDF2_ITERATIONS } from "../src/auth/password.js";
import { fleetStub } from "../src/env.js";
import type { FleetObject } from "../src/fleet/fleet-object.js";
import { ORIGIN, PASSWORD, call, login } from "./helpers.js";

const SETUP_CODE = "setup-code-for-tests-0123456789";
const NEW_PASSWORD = "a brand new owner password";

function cookieOf(response: Response): string {
  const pair = (response.headers.get("Set-Cookie") ?? "").split(";")[0] ?? "";
  if (!pair.startsWith("cc_session=")) {
    throw new Error(`no session cookie in ${response.status} answer`);
  }
  return pair;
}

async function errorOf(response: Response): Promise<{ code: string; params?: Record<string, unknown> }> {
  return errorBodySchema.parse(await response.json()).error;
}

/** Runs `path` through the app with other settings, like a deployment configured differently. */
async function callWith(settings: Partial<typeof env>, path: string, body?: unknown, cookie?: string): Promise<Response> {
  const headers: Record<string, string> = { "Content-Type": "application/json", Origin: ORIGIN };
  if (cookie !== undefined) {
    headers.Cookie = cookie;
  }
  const init = body === undefined ? { headers } : { method: "POST", headers, body: JSON.stringify(body) };
  return app.request(`${ORIGIN}${path}`, init, { ...env, ...settings });
}

/** Deletes the stored owner password, as on a fresh deployment. */
async function forgetOwner(): Promise<void> {
  await runInDurableObject(fleetStub(env), (_object: FleetObject, state) => {
    state.storage.sql.exec("DELETE FROM owner");
  });
}

const withoutPassword = { DASHBOARD_PASSWORD: undefined, SETUP_CODE };

describe("first-run setup", () => {
  it("is required while no password exists", async () => {
    await forgetOwner();

    const response = await callWith(withoutPassword, "/api/auth/setup");

    expect(await response.json()).toEqual({ setup_required: true, setup_code_configured: true });
  });

  it("makes login explain that setup comes first", async () => {
    await forgetOwner();

    const response = await callWith(withoutPassword, "/api/auth/login", { password: "anything" });

    expect(response.status).toBe(403);
    expect((await errorOf(response)).params).toEqual({ setup_required: true });
  });

  it("refuses a wrong setup code", async () => {
    await forgetOwner();

    const response = await callWith(withoutPassword, "/api/auth/setup", { setup_code: "wrong", password: NEW_PASSWORD });

    expect(response.status).toBe(401);
  });

  it("sets the password once with the right code", async () => {
    await forgetOwner();

    const first = await callWith(withoutPassword, "/api/auth/setup", { setup_code: SETUP_CODE, password: NEW_PASSWORD });
    const second = await callWith(withoutPassword, "/api/auth/setup", { setup_code: SETUP_CODE, password: "another password here" });
    const loginAfter = await callWith(withoutPassword, "/api/auth/login", { password: NEW_PASSWORD });

    expect(first.status).toBe(204);
    expect(second.status).toBe(403);
    expect(loginAfter.status).toBe(204);
  });

  it("names the field of a password that is too short", async () => {
    await forgetOwner();

    const response = await callWith(withoutPassword, "/api/auth/setup", { setup_code: SETUP_CODE, password: "short" });

    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain("password:");
  });
});

describe("DASHBOARD_PASSWORD", () => {
  it("is stored only as a PBKDF2 hash", async () => {
    await login();

    const record = await fleetStub(env).ownerRecord();

    expect(record?.password.iterations).toBe(PBKDF2_ITERATIONS);
    expect(JSON.stringify(record)).not.toContain(PASSWORD);
  });

  it("resets a forgotten password when it changes, ending every session", async () => {
    const oldCookie = await login();

    const reset = await callWith({ DASHBOARD_PASSWORD: "the reset password value" }, "/api/auth/login", { password: "the reset password value" });
    const oldSession = await call("/api/auth/session", { cookie: oldCookie });

    expect(reset.status).toBe(204);
    expect(oldSession.status).toBe(401);
  });
});

describe("sessions", () => {
  it("end on the server at logout", async () => {
    const cookie = await login();

    await call("/api/auth/logout", { method: "POST", cookie });

    expect((await call("/api/auth/session", { cookie })).status).toBe(401);
  });

  it("rotate on login", async () => {
    const before = await login();

    const again = await call("/api/auth/login", { body: { password: PASSWORD }, cookie: before });

    expect(again.status).toBe(204);
    expect((await call("/api/auth/session", { cookie: before })).status).toBe(401);
    expect((await call("/api/auth/session", { cookie: cookieOf(again) })).status).toBe(200);
  });

  it("all end when the owner signs out everywhere", async () => {
    const first = await login();
    const second = await login();

    const response = await call("/api/auth/sessions/revoke-all", { method: "POST", cookie: first });

    expect(response.status).toBe(204);
    expect((await call("/api/auth/session", { cookie: first })).status).toBe(401);
    expect((await call("/api/auth/session", { cookie: second })).status).toBe(401);
  });

  it("carry a CSRF token in the session answer", async () => {
    const response = await call("/api/auth/session", { cookie: await login() });

    expect(sessionInfoSchema.parse(await response.json()).csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe("password change", () => {
  it("needs the current password", async () => {
    const cookie = await login();

    const response = await call("/api/auth/password", { cookie, body: { current_password: "not it", new_password: NEW_PASSWORD } });

    expect(response.status).toBe(401);
  });

  it("ends the other sessions and keeps the caller signed in", async () => {
    const other = await login();
    const caller = await login();

    const response = await call("/api/auth/password", { cookie: caller, body: { current_password: PASSWORD, new_password: NEW_PASSWORD } });
    const oldPassword = await call("/api/auth/login", { body: { password: PASSWORD } });
    const newPassword = await call("/api/auth/login", { body: { password: NEW_PASSWORD } });

    expect(response.status).toBe(204);
    expect((await call("/api/auth/session", { cookie: other })).status).toBe(401);
    expect((await call("/api/auth/session", { cookie: cookieOf(response) })).status).toBe(200);
    expect(oldPassword.status).toBe(401);
    expect(newPassword.status).toBe(204);

    // Back to the configured password for the tests that follow.
    await call("/api/auth/password", { cookie: cookieOf(newPassword), body: { current_password: NEW_PASSWORD, new_password: PASSWORD } });
  });
});

describe("CSRF", () => {
  it("refuses a cookie request without Origin or token", async () => {
    const response = await call("/api/instances", { cookie: await login(), body: { name: "csrf" }, origin: null });

    expect(response.status).toBe(403);
    expect((await errorOf(response)).code).toBe("forbidden");
  });

  it("accepts the session's token where Origin is missing", async () => {
    const cookie = await login();
    const { csrf_token } = sessionInfoSchema.parse(await (await call("/api/auth/session", { cookie })).json());

    const response = await call("/api/instances", { cookie, body: { name: "csrf" }, origin: null, headers: { [CSRF_HEADER]: csrf_token } });

    expect(response.status).toBe(201);
  });

  it("refuses another session's token", async () => {
    const other = await login();
    const { csrf_token } = sessionInfoSchema.parse(await (await call("/api/auth/session", { cookie: other })).json());

    const response = await call("/api/instances", { cookie: await login(), body: { name: "csrf" }, origin: null, headers: { [CSRF_HEADER]: csrf_token } });

    expect(response.status).toBe(403);
  });

  it("refuses a cross-site socket", async () => {
    const response = await SELF.fetch(`${ORIGIN}/api/instances/abc/ws`, { headers: { Upgrade: "websocket", Origin: "https://evil.test", Cookie: await login() } });
    const ws = response.webSocket;
    const frame = new Promise<string>((resolve) => ws?.addEventListener("message", (event) => resolve(String(event.data))));
    ws?.accept();

    expect(await frame).toContain('"forbidden"');
  });
});

describe("login throttling over HTTP", () => {
  /** Marks `address` as having failed `failures` times just now. */
  async function preload(address: string, failures: number): Promise<void> {
    await runInDurableObject(fleetStub(env), (_object: FleetObject, state) => {
      state.storage.sql.exec("INSERT OR REPLACE INTO throttle (key, failures, last_failure_at) VALUES (?, ?, ?)", `address:${address}`, failures, Date.now());
    });
  }

  it("answers a blocked address with 429 and Retry-After", async () => {
    await preload("198.51.100.7", 20);

    const response = await call("/api/auth/login", { body: { password: PASSWORD }, headers: { "CF-Connecting-IP": "198.51.100.7" } });

    expect(response.status).toBe(429);
    expect((await errorOf(response)).code).toBe("rate_limited");
    expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(800);
  });

  it("ignores X-Forwarded-For when counting", async () => {
    await preload("198.51.100.8", 20);

    const response = await call("/api/auth/login", {
      body: { password: PASSWORD },
      headers: { "CF-Connecting-IP": "198.51.100.8", "X-Forwarded-For": "203.0.113.99", "X-Real-IP": "203.0.113.99" },
    });

    expect(response.status).toBe(429);
  });

  it("lets another address sign in meanwhile", async () => {
    await preload("198.51.100.9", 20);

    const response = await call("/api/auth/login", { body: { password: PASSWORD }, headers: { "CF-Connecting-IP": "198.51.100.10" } });

    expect(response.status).toBe(204);
  });
});
