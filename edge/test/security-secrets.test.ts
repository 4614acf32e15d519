import { env, runInDurableObject } from "cloudflare:test";
import { secretListSchema } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { app } from "../src/app.js";
import { fleetStub } from "../src/env.js";
import type { FleetObject } from "../src/fleet/fleet-object.js";
import { decryptSecret, encryptSecret } from "../src/secrets/cipher.js";
import { secretForJob } from "../src/secrets/handoff.js";
import { ORIGIN, call, login } from "./helpers.js";

const HF_TOKEN = "hf_secretvalue_0123456789abcdefghij";

async function statusOf(cookie: string, name: string): Promise<{ set: boolean; updated_at: string | null } | undefined> {
  const { secrets } = secretListSchema.parse(await (await call("/api/secrets", { cookie })).json());
  return secrets.find((secret) => secret.name === name);
}

/** Everything the fleet object stores, as text, to search for a plain value. */
async function storageDump(): Promise<string> {
  return runInDurableObject(fleetStub(env), (_object: FleetObject, state) => JSON.stringify(state.storage.sql.exec("SELECT * FROM secrets").toArray()));
}

describe("secrets", () => {
  it("are listed as set without their value", async () => {
    const cookie = await login();

    const put = await call("/api/secrets/hf_token", { method: "PUT", cookie, body: { value: HF_TOKEN } });
    const list = await call("/api/secrets", { cookie });
    const text = await list.text();

    expect(put.status).toBe(204);
    expect(text).not.toContain(HF_TOKEN);
    expect(secretListSchema.parse(JSON.parse(text)).secrets.find((secret) => secret.name === "hf_token")?.set).toBe(true);
  });

  it("are stored only encrypted", async () => {
    const cookie = await login();
    await call("/api/secrets/hf_token", { method: "PUT", cookie, body: { value: HF_TOKEN } });

    const dump = await storageDump();

    expect(dump).toContain("v1.");
    expect(dump).not.toContain(HF_TOKEN);
    expect(dump).not.toContain(btoa(HF_TOKEN).slice(0, 20));
  });

  it("reach a job through the internal handoff", async () => {
    const cookie = await login();
    await call("/api/secrets/civitai_token", { method: "PUT", cookie, body: { value: "civitai-value-123" } });

    expect(await secretForJob(env, "civitai_token")).toBe("civitai-value-123");
  });

  it("can be cleared", async () => {
    const cookie = await login();
    await call("/api/secrets/cloudflare_token", { method: "PUT", cookie, body: { value: "cf-value" } });

    const response = await call("/api/secrets/cloudflare_token", { method: "DELETE", cookie });

    expect(response.status).toBe(204);
    expect(await statusOf(cookie, "cloudflare_token")).toEqual({ name: "cloudflare_token", set: false, updated_at: null });
  });

  it("keep rclone.conf with its line breaks", async () => {
    const cookie = await login();
    const conf = "[drive]\ntype = drive\ntoken = {\"access_token\":\"x\"}\n";
    await call("/api/secrets/rclone_conf", { method: "PUT", cookie, body: { value: conf } });

    expect(await secretForJob(env, "rclone_conf")).toBe(conf);
  });

  it("refuse an unknown name", async () => {
    const response = await call("/api/secrets/aws_key", { method: "PUT", cookie: await login(), body: { value: "x" } });

    expect(response.status).toBe(404);
  });

  it("refuse an oversized value", async () => {
    const response = await call("/api/secrets/rclone_conf", { method: "PUT", cookie: await login(), body: { value: "x".repeat(200_000) } });

    expect(response.status).toBe(413);
  });

  it("never echo the value in an error", async () => {
    const response = await call("/api/secrets/hf_token", { method: "PUT", cookie: await login(), body: { value: HF_TOKEN, extra: true } });

    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain(HF_TOKEN);
  });

  it("explain a missing SECRETS_KEY", async () => {
    const cookie = await login();
    const response = await app.request(
      `${ORIGIN}/api/secrets/hf_token`,
      { method: "PUT", headers: { "Content-Type": "application/json", Origin: ORIGIN, Cookie: cookie }, body: JSON.stringify({ value: "x" }) },
      { ...env, SECRETS_KEY: undefined },
    );

    expect(response.status).toBe(500);
    expect(await response.text()).toContain("SECRETS_KEY is not set");
  });
});

describe("secret cipher", () => {
  it("does not decrypt a value under another name", async () => {
    const sealed = await encryptSecret(env, "hf_token", "value");

    await expect(decryptSecret(env, "civitai_token", sealed)).rejects.toThrow("does not decrypt");
  });

  it("does not decrypt with another key", async () => {
    const sealed = await encryptSecret(env, "hf_token", "value");

    await expect(decryptSecret({ ...env, SECRETS_KEY: "another-key-0123456789abcdef0123456" }, "hf_token", sealed)).rejects.toThrow("does not decrypt");
  });

  it("uses a fresh IV for each value", async () => {
    expect(await encryptSecret(env, "hf_token", "same")).not.toBe(await encryptSecret(env, "hf_token", "same"));
  });
});
