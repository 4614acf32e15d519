import { env } from "cloudflare:test";
import { configExportFileSchema, configImportResultSchema } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { secretForJob } from "../src/secrets/handoff.js";
import upstream from "./config-upstream.fixture.json";
import { call, login } from "./helpers.js";

const PASSPHRASE = "purple walrus in the rain";

async function exportFile(cookie: string, passphrase?: string): Promise<{ text: string; status: number }> {
  const response = await call("/api/config/export", { cookie, body: passphrase === undefined ? {} : { passphrase } });
  return { text: await response.text(), status: response.status };
}

describe("config export", () => {
  it("leaves secrets out without a passphrase", async () => {
    const cookie = await login();
    await call("/api/config/import", { cookie, body: { file: upstream } });

    const { text, status } = await exportFile(cookie);
    const file = configExportFileSchema.parse(JSON.parse(text));

    expect(status).toBe(200);
    expect(file.secrets).toBeNull();
    expect(text).not.toContain(upstream.civitai_token);
    expect(file.config.request.attention).toBe("sage");
  });

  it("seals secrets under a passphrase", async () => {
    const cookie = await login();
    await call("/api/config/import", { cookie, body: { file: upstream } });

    const { text } = await exportFile(cookie, PASSPHRASE);
    const file = configExportFileSchema.parse(JSON.parse(text));

    expect(file.secrets?.kdf).toBe("PBKDF2-SHA-256");
    expect(text).not.toContain(upstream.civitai_token);
    expect(text).not.toContain("[gdrive]");
  });

  it("imports back with the same passphrase", async () => {
    const cookie = await login();
    await call("/api/config/import", { cookie, body: { file: upstream } });
    const { text } = await exportFile(cookie, PASSPHRASE);
    await call("/api/secrets/civitai_token", { method: "DELETE", cookie });

    const response = await call("/api/config/import", { cookie, body: { file: JSON.parse(text), passphrase: PASSPHRASE } });
    const result = configImportResultSchema.parse(await response.json());

    expect(result.source).toBe("comfycarry");
    expect(result.secrets_stored).toContain("civitai_token");
    expect(await secretForJob(env, "civitai_token")).toBe(upstream.civitai_token);
  });

  it("rejects a wrong passphrase", async () => {
    const cookie = await login();
    await call("/api/config/import", { cookie, body: { file: upstream } });
    const { text } = await exportFile(cookie, PASSPHRASE);

    const response = await call("/api/config/import", { cookie, body: { file: JSON.parse(text), passphrase: "not the passphrase at all" } });
    const body = (await response.json()) as { error: { code: string; message: string } };

    expect(response.status).toBe(400);
    expect(body.error.code).toBe("invalid_arguments");
    expect(body.error.message).toContain("passphrase");
  });

  it("skips sealed secrets without a passphrase", async () => {
    const cookie = await login();
    await call("/api/config/import", { cookie, body: { file: upstream } });
    const { text } = await exportFile(cookie, PASSPHRASE);

    const response = await call("/api/config/import", { cookie, body: { file: JSON.parse(text), dry_run: true } });
    const result = configImportResultSchema.parse(await response.json());

    expect(result.report.find((entry) => entry.field === "secrets")?.outcome).toBe("not_applied");
    expect(result.secrets_stored).toEqual([]);
  });

  it("rejects a short passphrase", async () => {
    const cookie = await login();

    const { status } = await exportFile(cookie, "short");

    expect(status).toBe(400);
  });
});
