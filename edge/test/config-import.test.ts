import { env } from "cloudflare:test";
import { configImportResultSchema, deployConfigResponseSchema } from "@comfycarry/shared";
import type { ConfigImportResult, ImportReportEntry } from "@comfycarry/shared";
import { describe, expect, it } from "vitest";

import { secretForJob } from "../src/secrets/handoff.js";
import upstream from "./config-upstream.fixture.json";
import { call, createInstance, login } from "./helpers.js";

async function importFile(cookie: string, file: unknown, extra: Record<string, unknown> = {}): Promise<ConfigImportResult> {
  const response = await call("/api/config/import", { cookie, body: { file, ...extra } });
  expect(response.status).toBe(200);
  return configImportResultSchema.parse(await response.json());
}

function entry(report: ImportReportEntry[], field: string): ImportReportEntry | undefined {
  return report.find((item) => item.field === field);
}

/** Every field of the fixture, with `sync_rules`, plugin lists and `comfyui_params` expanded to their items. */
function expectedFields(): string[] {
  const fields: string[] = [];
  for (const [key, value] of Object.entries(upstream)) {
    if (key === "sync_rules" || key === "extra_plugins" || key === "disabled_default_plugins") {
      (value as unknown[]).forEach((_item, index) => fields.push(`${key}[${index}]`));
    } else if (key === "comfyui_params" || key === "sync_settings") {
      Object.keys(value as object).forEach((inner) => fields.push(`${key}.${inner}`));
    } else {
      fields.push(key);
    }
  }
  return fields;
}

describe("upstream config import", () => {
  it("reports every field of the file", async () => {
    const cookie = await login();

    const result = await importFile(cookie, upstream, { dry_run: true });
    const reported = new Set(result.report.map((item) => item.field));

    expect(expectedFields().filter((field) => !reported.has(field))).toEqual([]);
  });

  it("gives a reason for every rejected or skipped field", async () => {
    const cookie = await login();

    const result = await importFile(cookie, upstream, { dry_run: true });

    expect(result.report.filter((item) => item.outcome !== "applied" && (item.reason ?? "") === "")).toEqual([]);
  });

  it("never echoes a secret of the file", async () => {
    const cookie = await login();

    const response = await call("/api/config/import", { cookie, body: { file: upstream, dry_run: true } });
    const text = await response.text();

    for (const secret of [upstream.password, upstream.civitai_token, upstream.cf_api_token, upstream.api_key, upstream.ssh_password, "sk-fixture-not-real", "secret_access_key"]) {
      expect(text).not.toContain(secret);
    }
  });

  it("does not import the password or API key", async () => {
    const cookie = await login();

    const result = await importFile(cookie, upstream, { dry_run: true });

    expect(entry(result.report, "password")?.outcome).toBe("not_applied");
    expect(entry(result.report, "api_key")?.outcome).toBe("not_applied");
    expect(entry(result.report, "api_key")?.reason).toContain("API token");
  });

  it("lists SSH, LLM and prompt fields as not applied", async () => {
    const cookie = await login();

    const result = await importFile(cookie, upstream, { dry_run: true });

    for (const field of ["ssh_keys", "ssh_password", "ssh_pw_sync", "llm_provider", "llm_provider_keys", "prompt_settings"]) {
      expect(entry(result.report, field)?.outcome, field).toBe("not_applied");
    }
  });

  it("imports the sync method as a disabled mirror", async () => {
    const cookie = await login();

    const result = await importFile(cookie, upstream, { dry_run: true });
    const rule = result.config.sync_rules.find((item) => item.name === "Workflows");

    expect(rule?.method).toBe("mirror");
    expect(rule?.enabled).toBe(false);
    expect(rule?.mirror_confirmed).toBe(false);
    expect(rule?.trigger).toEqual({ type: "on_deploy" });
  });

  it("converts rule paths, filters and triggers", async () => {
    const cookie = await login();

    const result = await importFile(cookie, upstream, { dry_run: true });
    const outputs = result.config.sync_rules.find((item) => item.name === "Outputs to R2");
    const loras = result.config.sync_rules.find((item) => item.name === "LoRAs");

    expect(outputs?.local_path).toBe("ComfyUI/output");
    expect(outputs?.filters).toEqual({ include: ["*.png", "*.webp"], exclude: ["*"] });
    expect(outputs?.trigger).toEqual({ type: "watch" });
    expect(loras?.trigger).toEqual({ type: "interval", every_s: 120 });
    expect(loras?.enabled).toBe(false);
  });

  it("rejects invalid sync rules by index", async () => {
    const cookie = await login();

    const result = await importFile(cookie, upstream, { dry_run: true });

    expect(entry(result.report, "sync_rules[3]")?.outcome).toBe("rejected");
    expect(entry(result.report, "sync_rules[3]")?.reason).toContain("..");
    expect(entry(result.report, "sync_rules[4]")?.outcome).toBe("rejected");
    expect(entry(result.report, "sync_rules[4]")?.reason).toContain("direction");
  });

  it("maps min_age to the settle time", async () => {
    const cookie = await login();

    const result = await importFile(cookie, upstream, { dry_run: true });

    expect(result.config.settle_s).toBe(45);
  });

  it("maps launch parameters to the launch form", async () => {
    const cookie = await login();

    const { config, report } = await importFile(cookie, upstream, { dry_run: true });

    expect(config.request.launch_options.vram_mode).toBe("highvram");
    expect(config.request.launch_options.attention).toBe("sage");
    expect(config.request.launch_options.unet_precision).toBe("fp8_e4m3fn");
    expect(config.request.launch_options.fast).toBe(true);
    expect(config.request.launch_options.extra_args).toBe("--reserve-vram 1.5 --disable-xformers --cache-lru 16");
    expect(entry(report, "comfyui_params.vae_precision")?.outcome).toBe("rejected");
    expect(entry(report, "comfyui_params.vram_headroom")?.outcome).toBe("not_applied");
  });

  it("keeps only cloneable plugin URLs", async () => {
    const cookie = await login();

    const { config, report } = await importFile(cookie, upstream, { dry_run: true });

    expect(config.request.custom_nodes.map((node) => node.url)).toEqual(["https://github.com/kijai/ComfyUI-KJNodes", "https://github.com/cubiq/ComfyUI_essentials.git"]);
    expect(entry(report, "extra_plugins[2]")?.outcome).toBe("rejected");
    expect(config.disabled_default_nodes).toEqual(["https://github.com/pythongosssss/ComfyUI-Custom-Scripts"]);
  });

  it("picks SageAttention from the old choice", async () => {
    const cookie = await login();

    const { config } = await importFile(cookie, upstream, { dry_run: true });

    expect(config.request.attention).toBe("sage");
  });

  it("stores tokens and rclone.conf as secrets", async () => {
    const cookie = await login();

    const result = await importFile(cookie, upstream);

    expect(result.secrets_stored.sort()).toEqual(["civitai_token", "cloudflare_token", "rclone_conf"]);
    expect(await secretForJob(env, "civitai_token")).toBe(upstream.civitai_token);
    expect(await secretForJob(env, "rclone_conf")).toContain("[gdrive]");
    expect(entry(result.report, "rclone_config_base64")?.reason).toContain("r2, gdrive");
  });

  it("pre-fills the wizard of the instance", async () => {
    const cookie = await login();
    const { instance_id } = await createInstance(cookie);

    await importFile(cookie, upstream, { instance_id });
    const response = await call(`/api/config/deploy/${instance_id}`, { cookie });
    const stored = deployConfigResponseSchema.parse(await response.json());

    expect(stored.source).toBe("instance");
    expect(stored.config.request.attention).toBe("sage");
    expect(stored.config.sync_rules).toHaveLength(3);
    expect(stored.secrets.civitai_token).toBe(true);
  });

  it("rejects a file of another kind", async () => {
    const cookie = await login();

    const response = await call("/api/config/import", { cookie, body: { file: { hello: "world" } } });
    const body = (await response.json()) as { error: { code: string; message: string } };

    expect(response.status).toBe(400);
    expect(body.error.code).toBe("invalid_arguments");
    expect(body.error.message).toContain("_version");
  });

  it("refuses a read-only token", async () => {
    const cookie = await login();
    const created = await call("/api/tokens", { cookie, body: { name: "viewer", scope: "read" } });
    const { token } = (await created.json()) as { token: string };

    const response = await call("/api/config/import", { headers: { Authorization: `Bearer ${token}` }, body: { file: upstream, dry_run: true } });

    expect(response.status).toBe(403);
  });
});
