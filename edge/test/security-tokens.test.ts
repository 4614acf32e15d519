import {
  apiTokenCreatedSchema,
  apiTokenListSchema,
  auditPageSchema,
  enrollResponseSchema,
  enrollmentKeyCreatedSchema,
  enrollmentKeyListSchema,
  errorBodySchema,
  instanceListSchema,
  instanceTokenSchema,
} from "@comfycarry/shared";
import type { ApiScope } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { call, connectReporter, createInstance, hello, login, openReporter } from "./helpers.js";

async function createApiToken(cookie: string, scope: ApiScope, name = `script ${crypto.randomUUID().slice(0, 6)}`) {
  const response = await call("/api/tokens", { cookie, body: { name, scope } });
  expect(response.status).toBe(201);
  return apiTokenCreatedSchema.parse(await response.json());
}

async function createEnrollmentKey(cookie: string, name = `key ${crypto.randomUUID().slice(0, 6)}`) {
  const response = await call("/api/enrollment-keys", { cookie, body: { name } });
  expect(response.status).toBe(201);
  return enrollmentKeyCreatedSchema.parse(await response.json());
}

function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

async function enroll(key: string, body: unknown): Promise<Response> {
  return call("/api/enroll", { body, headers: bearer(key), origin: null });
}

describe("API tokens", () => {
  it("are shown once and listed without the value", async () => {
    const cookie = await login();
    const created = await createApiToken(cookie, "read");

    const listed = apiTokenListSchema.parse(await (await call("/api/tokens", { cookie })).json());

    expect(created.token).toMatch(/^cca_[A-Za-z0-9_-]{43}$/);
    expect(listed.tokens.find((token) => token.id === created.id)).toMatchObject({ name: created.name, scope: "read", last_used_at: null });
    expect(JSON.stringify(listed)).not.toContain(created.token);
  });

  it("work as Bearer without a cookie and record their last use", async () => {
    const cookie = await login();
    const created = await createApiToken(cookie, "read");

    const response = await call("/api/instances", { headers: bearer(created.token), origin: null });
    const listed = apiTokenListSchema.parse(await (await call("/api/tokens", { cookie })).json());

    expect(response.status).toBe(200);
    expect(listed.tokens.find((token) => token.id === created.id)?.last_used_at).not.toBeNull();
  });

  it("with read scope cannot create instances", async () => {
    const { token } = await createApiToken(await login(), "read");

    const response = await call("/api/instances", { body: { name: "x" }, headers: bearer(token), origin: null });

    expect(response.status).toBe(403);
  });

  it("with read scope cannot send control commands", async () => {
    const cookie = await login();
    const { instance_id, token: reporterToken } = await createInstance(cookie);
    await connectReporter(instance_id, reporterToken);
    const { token } = await createApiToken(cookie, "read");

    const response = await call(`/api/instances/${instance_id}/commands`, { body: { name: "comfyui.queue.clear" }, headers: bearer(token), origin: null });

    expect(response.status).toBe(403);
  });

  it("with admin scope can manage tokens but not change the password", async () => {
    const { token } = await createApiToken(await login(), "admin");

    const list = await call("/api/tokens", { headers: bearer(token), origin: null });
    const password = await call("/api/auth/password", { body: { current_password: "x", new_password: "y".repeat(12) }, headers: bearer(token), origin: null });

    expect(list.status).toBe(200);
    expect(password.status).toBe(403);
  });

  it("fail on the next request once revoked", async () => {
    const cookie = await login();
    const created = await createApiToken(cookie, "read");
    expect((await call("/api/instances", { headers: bearer(created.token), origin: null })).status).toBe(200);

    const revoke = await call(`/api/tokens/${created.id}`, { method: "DELETE", cookie });
    const after = await call("/api/instances", { headers: bearer(created.token), origin: null });

    expect(revoke.status).toBe(204);
    expect(after.status).toBe(401);
  });

  it("are not accepted as enrollment keys", async () => {
    const { token } = await createApiToken(await login(), "admin");

    expect((await enroll(token, {})).status).toBe(401);
  });
});

describe("enrollment", () => {
  it("creates an instance without a name", async () => {
    const { key } = await createEnrollmentKey(await login());

    const response = await enroll(key, {});

    expect(response.status).toBe(201);
    expect(enrollResponseSchema.parse(await response.json())).toMatchObject({ name: "instance", replaced: false });
  });

  it("gives a reporter token that connects", async () => {
    const { key } = await createEnrollmentKey(await login());
    const enrolled = enrollResponseSchema.parse(await (await enroll(key, { name: `fresh ${crypto.randomUUID()}` })).json());

    const reporter = await connectReporter(enrolled.instance_id, enrolled.token);

    expect(reporter.closeEvent).toBeNull();
  });

  it("takes over an instance by name and closes its reporter with replaced", async () => {
    const cookie = await login();
    const name = `rental ${crypto.randomUUID().slice(0, 8)}`;
    const { key } = await createEnrollmentKey(cookie);
    const first = enrollResponseSchema.parse(await (await enroll(key, { name })).json());
    const oldReporter = await connectReporter(first.instance_id, first.token);

    const second = enrollResponseSchema.parse(await (await enroll(key, { name })).json());

    expect(second).toMatchObject({ instance_id: first.instance_id, replaced: true });
    expect((await oldReporter.next("refused")).error.code).toBe("replaced");
    expect(await oldReporter.closed()).toEqual({ code: 4000, reason: "replaced" });
  });

  it("stops the previous token from connecting after a takeover", async () => {
    const name = `rental ${crypto.randomUUID().slice(0, 8)}`;
    const { key } = await createEnrollmentKey(await login());
    const first = enrollResponseSchema.parse(await (await enroll(key, { name })).json());
    await enroll(key, { name });

    const stale = await openReporter(first.token);

    expect((await stale.next("refused")).error.code).toBe("unauthorized");
  });

  it("leaves one instance for one name", async () => {
    const cookie = await login();
    const name = `rental ${crypto.randomUUID().slice(0, 8)}`;
    const { key } = await createEnrollmentKey(cookie);

    await Promise.all([enroll(key, { name }), enroll(key, { name }), enroll(key, { name })]);
    const { instances } = instanceListSchema.parse(await (await call("/api/instances", { cookie })).json());

    expect(instances.filter((instance) => instance.name === name)).toHaveLength(1);
  });

  it("with a revoked key enrolls nothing", async () => {
    const cookie = await login();
    const created = await createEnrollmentKey(cookie);
    await call(`/api/enrollment-keys/${created.id}`, { method: "DELETE", cookie });
    const before = instanceListSchema.parse(await (await call("/api/instances", { cookie })).json()).instances.length;

    const response = await enroll(created.key, { name: "should not exist" });
    const after = instanceListSchema.parse(await (await call("/api/instances", { cookie })).json()).instances.length;

    expect(response.status).toBe(401);
    expect(after).toBe(before);
  });

  it("counts each use of a key", async () => {
    const cookie = await login();
    const created = await createEnrollmentKey(cookie);
    await enroll(created.key, {});
    await enroll(created.key, {});

    const { keys } = enrollmentKeyListSchema.parse(await (await call("/api/enrollment-keys", { cookie })).json());

    expect(keys.find((key) => key.id === created.id)?.use_count).toBe(2);
  });

  it("keys cannot call owner routes", async () => {
    const { key } = await createEnrollmentKey(await login());

    const response = await call("/api/instances", { headers: bearer(key), origin: null });

    expect(response.status).toBe(401);
  });

  it("names the field of a bad body", async () => {
    const { key } = await createEnrollmentKey(await login());

    const response = await enroll(key, { name: 42 });

    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(await response.json()).error.message).toContain("name:");
  });
});

describe("instance tokens", () => {
  it("close the reporter before a revoke returns", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    const reporter = await connectReporter(instance_id, token);

    const response = await call(`/api/instances/${instance_id}/token`, { method: "DELETE", cookie });

    expect(response.status).toBe(204);
    expect((await reporter.next("refused")).error.code).toBe("unauthorized");
    expect((await call(`/api/instances/${instance_id}/overview`, { cookie })).status).toBe(200);
  });

  it("rotate to a new token that connects while the old one does not", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);

    const rotated = instanceTokenSchema.parse(await (await call(`/api/instances/${instance_id}/token`, { method: "POST", cookie })).json());
    const stale = await openReporter(token);
    const fresh = await openReporter(rotated.token);
    fresh.send(hello(instance_id));

    expect((await stale.next("refused")).error.code).toBe("unauthorized");
    expect((await fresh.next("welcome")).instance_id).toBe(instance_id);
  });
});

describe("instances", () => {
  it("can be renamed", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);

    await call(`/api/instances/${instance_id}`, { method: "PATCH", cookie, body: { name: "renamed box" } });
    const { instances } = instanceListSchema.parse(await (await call("/api/instances", { cookie })).json());

    expect(instances.find((instance) => instance.instance_id === instance_id)?.name).toBe("renamed box");
  });

  it("can be removed, closing the reporter", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    const reporter = await connectReporter(instance_id, token);

    const response = await call(`/api/instances/${instance_id}`, { method: "DELETE", cookie });

    expect(response.status).toBe(204);
    expect((await reporter.closed()).code).toBe(4000);
    expect((await call(`/api/instances/${instance_id}/overview`, { cookie })).status).toBe(404);
  });
});

describe("audit log", () => {
  it("records a command with who sent it and how it ended", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);
    const { token, name } = await createApiToken(cookie, "control");

    await call(`/api/instances/${instance_id}/commands`, { body: { name: "comfyui.queue.clear" }, headers: bearer(token), origin: null });
    const page = auditPageSchema.parse(await (await call(`/api/audit?instance_id=${instance_id}&action=comfyui.queue.clear`, { cookie })).json());

    expect(page.entries).toHaveLength(1);
    expect(page.entries[0]).toMatchObject({ actor: { kind: "api_token", name }, instance_id, result: "instance_offline" });
  });

  it("records a command refused for its scope", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);
    const { token } = await createApiToken(cookie, "read");

    await call(`/api/instances/${instance_id}/commands`, { body: { name: "service.restart", args: { name: "comfy" } }, headers: bearer(token), origin: null });
    const page = auditPageSchema.parse(await (await call(`/api/audit?instance_id=${instance_id}`, { cookie })).json());

    expect(page.entries.map((entry) => entry.result)).toContain("forbidden");
  });

  it("records an answered command as ok", async () => {
    const cookie = await login();
    const { instance_id, token } = await createInstance(cookie);
    const reporter = await connectReporter(instance_id, token);

    const pending = call(`/api/instances/${instance_id}/commands`, { cookie, body: { name: "comfyui.queue.clear" } });
    const command = await reporter.next("command");
    reporter.send({ type: "command_result", id: command.id, ok: true, data: { cleared: 0 } });
    await pending;
    const page = auditPageSchema.parse(await (await call(`/api/audit?instance_id=${instance_id}&result=ok&action=comfyui.queue.clear`, { cookie })).json());

    expect(page.entries[0]).toMatchObject({ actor: { kind: "owner", name: "owner" }, result: "ok" });
  });

  it("pages back with next_before", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);
    for (let index = 0; index < 3; index++) {
      await call(`/api/instances/${instance_id}/commands`, { cookie, body: { name: "comfyui.queue.clear" } });
    }

    const first = auditPageSchema.parse(await (await call(`/api/audit?instance_id=${instance_id}&action=comfyui.queue.clear&limit=2`, { cookie })).json());
    const second = auditPageSchema.parse(await (await call(`/api/audit?instance_id=${instance_id}&action=comfyui.queue.clear&limit=2&before=${first.next_before}`, { cookie })).json());

    expect(first.entries).toHaveLength(2);
    expect(second.entries).toHaveLength(1);
    expect(second.next_before).toBeNull();
  });

  it("names the bad filter", async () => {
    const response = await call("/api/audit?limit=lots", { cookie: await login() });

    expect(response.status).toBe(400);
    expect(errorBodySchema.parse(await response.json()).error.message).toContain("limit:");
  });
});
