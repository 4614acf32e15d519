import { env } from "cloudflare:test";
import { bootstrapHandoffResultSchema, deployConfigResponseSchema, tokenCheckResultSchema } from "@comfycarry/shared";
import { describe, expect, it, vi } from "vitest";

import { secretForJob } from "../src/secrets/handoff.js";
import { call, createInstance, login } from "./helpers.js";

async function enrollmentKey(cookie: string): Promise<string> {
  const response = await call("/api/enrollment-keys", { cookie, body: { name: `bootstrap ${crypto.randomUUID().slice(0, 6)}` } });
  return ((await response.json()) as { key: string }).key;
}

function handoff(key: string, body: unknown): Promise<Response> {
  return call("/api/bootstrap/handoff", { headers: { Authorization: `Bearer ${key}` }, body, origin: null });
}

describe("bootstrap handoff", () => {
  it("stores the environment's tokens", async () => {
    const cookie = await login();
    const key = await enrollmentKey(cookie);
    await call("/api/secrets/hf_token", { method: "DELETE", cookie });

    const response = await handoff(key, { secrets: { hf_token: "hf_handoff_value_1" } });
    const result = bootstrapHandoffResultSchema.parse(await response.json());

    expect(result.secrets_changed).toEqual(["hf_token"]);
    expect(await secretForJob(env, "hf_token")).toBe("hf_handoff_value_1");
  });

  it("changes nothing when sent twice", async () => {
    const cookie = await login();
    const key = await enrollmentKey(cookie);
    await call("/api/secrets/civitai_token", { method: "DELETE", cookie });
    await handoff(key, { secrets: { civitai_token: "civitai_handoff_2" }, settings: { hf_endpoint: "https://hf-mirror.example" } });

    const second = bootstrapHandoffResultSchema.parse(await (await handoff(key, { secrets: { civitai_token: "civitai_handoff_2" }, settings: { hf_endpoint: "https://hf-mirror.example" } })).json());

    expect(second.secrets_changed).toEqual([]);
    expect(second.secrets_unchanged).toEqual(["civitai_token"]);
    expect(second.settings_changed).toBe(false);
  });

  it("puts settings into the fleet default", async () => {
    const cookie = await login();
    const key = await enrollmentKey(cookie);
    const { instance_id } = await createInstance(cookie);

    await handoff(key, { settings: { cf_domain: "example.org", cf_subdomain: "box" } });
    const stored = deployConfigResponseSchema.parse(await (await call(`/api/config/deploy/${instance_id}`, { cookie })).json());

    expect(stored.config.tunnel).toEqual({ domain: "example.org", subdomain: "box" });
  });

  it("keeps a secret the owner set", async () => {
    const cookie = await login();
    const key = await enrollmentKey(cookie);
    await call("/api/secrets/rclone_conf", { method: "PUT", cookie, body: { value: "[owner]\ntype = local\n" } });

    const result = bootstrapHandoffResultSchema.parse(await (await handoff(key, { secrets: { rclone_conf: "[someone-else]\ntype = s3\n" } })).json());

    expect(result.secrets_kept).toEqual(["rclone_conf"]);
    expect(await secretForJob(env, "rclone_conf")).toBe("[owner]\ntype = local\n");
  });

  it("refuses an unknown key", async () => {
    const response = await handoff("cce_not_a_real_key", { secrets: { hf_token: "x" } });

    expect(response.status).toBe(401);
  });

  it("refuses an API token in place of a key", async () => {
    const cookie = await login();
    const created = await call("/api/tokens", { cookie, body: { name: "admin", scope: "admin" } });
    const { token } = (await created.json()) as { token: string };

    const response = await handoff(token, { secrets: { hf_token: "x" } });

    expect(response.status).toBe(401);
  });
});

describe("deploy config", () => {
  it("saves the wizard values per instance", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);
    const current = deployConfigResponseSchema.parse(await (await call(`/api/config/deploy/${instance_id}`, { cookie })).json());
    current.config.request.comfyui_ref = "v0.3.60";

    const put = await call(`/api/config/deploy/${instance_id}`, { method: "PUT", cookie, body: { config: current.config } });
    const stored = deployConfigResponseSchema.parse(await (await call(`/api/config/deploy/${instance_id}`, { cookie })).json());

    expect(put.status).toBe(204);
    expect(stored.source).toBe("instance");
    expect(stored.config.request.comfyui_ref).toBe("v0.3.60");
  });

  it("rejects a ref that git would read as an option", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);
    const current = deployConfigResponseSchema.parse(await (await call(`/api/config/deploy/${instance_id}`, { cookie })).json());

    const put = await call(`/api/config/deploy/${instance_id}`, { method: "PUT", cookie, body: { config: { ...current.config, request: { ...current.config.request, comfyui_ref: "--upload-pack=x" } } } });

    expect(put.status).toBe(400);
  });

  it("returns not found for an unknown instance", async () => {
    const cookie = await login();

    const response = await call("/api/config/deploy/0123456789abcdef", { cookie });

    expect(response.status).toBe(404);
  });
});

describe("token check", () => {
  it("reports a missing token", async () => {
    const cookie = await login();
    await call("/api/secrets/hf_token", { method: "DELETE", cookie });

    const response = await call("/api/config/tokens/hf_token/check", { cookie, body: {} });
    const result = tokenCheckResultSchema.parse(await response.json());

    expect(result.stored).toBe(false);
    expect(result.valid).toBe(false);
  });

  it("accepts a token the host accepts", async () => {
    const cookie = await login();
    await call("/api/secrets/hf_token", { method: "PUT", cookie, body: { value: "hf_good_token" } });
    const seen: string[] = [];
    const stub = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      seen.push(`${String(input)} ${new Headers(init?.headers).get("Authorization") ?? ""}`);
      return Response.json({ name: "mei", type: "user" });
    });

    try {
      const result = tokenCheckResultSchema.parse(await (await call("/api/config/tokens/hf_token/check", { cookie, body: {} })).json());

      expect(result.valid).toBe(true);
      expect(result.account).toBe("mei");
      // An earlier test may have set a Hugging Face mirror, so only the path and header are fixed.
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatch(/\/api\/whoami-v2 Bearer hf_good_token$/);
    } finally {
      stub.mockRestore();
    }
  });

  it("rejects a token the host rejects", async () => {
    const cookie = await login();
    await call("/api/secrets/civitai_token", { method: "PUT", cookie, body: { value: "civitai_bad" } });
    const stub = vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ error: "Unauthorized" }, { status: 401 }));

    try {
      const response = await call("/api/config/tokens/civitai_token/check", { cookie, body: {} });
      const text = await response.text();
      const result = tokenCheckResultSchema.parse(JSON.parse(text));

      expect(result.valid).toBe(false);
      expect(text).not.toContain("civitai_bad");
    } finally {
      stub.mockRestore();
    }
  });
});
