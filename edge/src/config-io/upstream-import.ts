/**
 * @module Imports the config file that the earlier Python ComfyCarry (0.6.x) exports. Every
 * field is mapped explicitly and reported as applied, rejected (with the reason) or not
 * applied. Tokens and rclone.conf come back as secrets for the edge's secret store; the
 * plain-text dashboard password and API key are never imported. Report reasons never
 * contain a field's value, because the file carries secrets in plain text.
 */
import { MAX_RCLONE_CONF_CHARS, deployConfigSchema, deployCustomNodeSchema, gitUrlSchema } from "@comfycarry/shared";
import type { DeployConfig } from "@comfycarry/shared";
import { z } from "zod";

import { mapLaunchParams } from "./launch-params.js";
import { ImportReport } from "./report.js";
import type { FoundSecrets } from "./report.js";
import { mapSyncRules } from "./sync-rules.js";

export interface UpstreamImport {
  config: DeployConfig;
  secrets: FoundSecrets;
  report: ImportReport;
}

/** Returns whether `file` looks like the old version's export: an object with `_version`. */
export function isUpstreamExport(file: unknown): file is Record<string, unknown> {
  return typeof file === "object" && file !== null && !Array.isArray(file) && Object.hasOwn(file, "_version");
}

/** Fields that this project has no counterpart for, with the reason shown in the report. */
const NOT_APPLIED: Record<string, string> = {
  _exported_at: "the time of the old export; kept for information only",
  password: "not imported: the dashboard password lives at the edge, so set it under Settings",
  api_key: "not imported: create a new API token under Settings → API tokens",
  ssh_keys: "SSH access is not managed by this version",
  ssh_password: "not imported: SSH access is not managed by this version",
  ssh_pw_sync: "SSH access is not managed by this version",
  llm_provider: "the LLM prompt assistant is not part of this project",
  llm_temperature: "the LLM prompt assistant is not part of this project",
  llm_max_tokens: "the LLM prompt assistant is not part of this project",
  llm_stream: "the LLM prompt assistant is not part of this project",
  llm_provider_keys: "not imported: the LLM prompt assistant is not part of this project",
  prompt_settings: "the prompt editor is not part of this project",
  tunnel_mode: "tunnel modes are not imported yet; set the tunnel up on the instance's Tunnel page",
  cf_custom_services: "extra tunnel services are not imported yet; add them on the Tunnel page",
  cf_suffix_overrides: "hostname suffix overrides are not imported yet; set them on the Tunnel page",
  cf_protocol: "the tunnel's origin protocol is not imported yet; set it on the Tunnel page",
};

const tokenSchema = z.string().trim().min(1).max(4096);
const shortTextSchema = z.string().trim().min(1).max(253);

function storeToken(file: Record<string, unknown>, key: string, name: keyof FoundSecrets, secrets: FoundSecrets, report: ImportReport): void {
  if (file[key] === undefined) {
    return;
  }
  const parsed = tokenSchema.safeParse(file[key]);
  if (file[key] === "" || file[key] === null) {
    report.notApplied(key, "empty in the file");
  } else if (parsed.success) {
    secrets[name] = parsed.data;
    report.applied(key, `secret:${name}`, "stored encrypted at the edge; it is not shown again");
  } else {
    report.rejected(key, "expected a token of 1–4096 characters");
  }
}

/** Decodes `rclone_config_base64` and checks that it contains at least one `[remote]` section. */
function decodeRcloneConf(raw: unknown): { ok: true; text: string; remotes: string[] } | { ok: false; reason: string } {
  if (typeof raw !== "string") {
    return { ok: false, reason: "expected base64 text" };
  }
  let text: string;
  try {
    const binary = atob(raw.replace(/\s+/g, ""));
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
  } catch {
    return { ok: false, reason: "not valid base64 of UTF-8 text" };
  }
  if (text.length > MAX_RCLONE_CONF_CHARS) {
    return { ok: false, reason: `the decoded rclone.conf is over ${MAX_RCLONE_CONF_CHARS} characters` };
  }
  const remotes = [...text.matchAll(/^\s*\[([^\]\r\n]+)\]\s*$/gm)].map((match) => match[1] ?? "");
  if (remotes.length === 0) {
    return { ok: false, reason: "the decoded text has no [remote] section, so it is not an rclone.conf" };
  }
  return { ok: true, text, remotes };
}

function mapPlugins(file: Record<string, unknown>, config: DeployConfig, report: ImportReport): void {
  for (const key of ["extra_plugins", "disabled_default_plugins"] as const) {
    const raw = file[key];
    if (raw === undefined) {
      continue;
    }
    if (!Array.isArray(raw)) {
      report.rejected(key, "expected a list of git URLs");
      continue;
    }
    for (const [index, item] of raw.entries()) {
      const url = gitUrlSchema.safeParse(typeof item === "string" ? item.trim() : item);
      if (!url.success) {
        report.rejected(`${key}[${index}]`, `${url.error.issues[0]?.message ?? "invalid git URL"}; ssh and http URLs are not cloned`);
      } else if (key === "extra_plugins") {
        config.request.custom_nodes.push(deployCustomNodeSchema.parse({ url: url.data }));
        report.applied(`${key}[${index}]`, "config:request.custom_nodes");
      } else {
        config.disabled_default_nodes.push(url.data);
        report.applied(`${key}[${index}]`, "config:disabled_default_nodes");
      }
    }
  }
}

function mapAttention(file: Record<string, unknown>, config: DeployConfig, report: ImportReport): void {
  const flash = file["install_fa2"];
  const sage = file["install_sa2"];
  for (const [key, value] of [["install_fa2", flash], ["install_sa2", sage]] as const) {
    if (value !== undefined && typeof value !== "boolean") {
      report.rejected(key, "expected true or false");
    }
  }
  if (sage === true) {
    config.request.attention = "sage";
    report.applied("install_sa2", "config:request.attention", "SageAttention");
    if (flash === true) {
      report.rejected("install_fa2", "only one attention library is installed, and SageAttention was chosen as well");
    } else if (flash === false) {
      report.applied("install_fa2", "config:request.attention", "off");
    }
    return;
  }
  if (flash === true) {
    config.request.attention = "flash";
    report.applied("install_fa2", "config:request.attention", "FlashAttention");
  } else if (flash === false) {
    report.applied("install_fa2", "config:request.attention", "off");
  }
  if (sage === false) {
    report.applied("install_sa2", "config:request.attention", "off");
  }
}

function mapSyncSettings(raw: unknown, config: DeployConfig, report: ImportReport): number {
  const defaultInterval = 60;
  if (raw === undefined) {
    return defaultInterval;
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    report.rejected("sync_settings", "expected an object with min_age and watch_interval");
    return defaultInterval;
  }
  const settings = raw as Record<string, unknown>;
  let interval = defaultInterval;
  for (const [key, value] of Object.entries(settings)) {
    const field = `sync_settings.${key}`;
    const seconds = z.number().int().min(0).max(3600).safeParse(value);
    if (key === "min_age") {
      if (seconds.success) {
        config.settle_s = seconds.data;
        report.applied(field, "config:settle_s", "the time a file must stay unchanged before a push rule uploads it");
      } else {
        report.rejected(field, "expected whole seconds from 0 to 3600");
      }
    } else if (key === "watch_interval") {
      if (seconds.success) {
        interval = Math.max(60, seconds.data);
        report.applied(field, "config:sync_rules", `the interval of watched pull rules (at least 60 s): ${interval} s`);
      } else {
        report.rejected(field, "expected whole seconds from 0 to 3600");
      }
    } else {
      report.notApplied(field, "not a sync setting of the old export format");
    }
  }
  return interval;
}

function mapTunnelNames(file: Record<string, unknown>, config: DeployConfig, report: ImportReport): void {
  for (const [key, target] of [["cf_domain", "domain"], ["cf_subdomain", "subdomain"]] as const) {
    if (file[key] === undefined) {
      continue;
    }
    const parsed = shortTextSchema.safeParse(file[key]);
    if (parsed.success) {
      config.tunnel[target] = parsed.data;
      report.applied(key, `config:tunnel.${target}`);
    } else {
      report.rejected(key, "expected a host name of 1–253 characters");
    }
  }
}

/** Maps the old export file; throws nothing, since every problem becomes a report entry. */
export function importUpstream(file: Record<string, unknown>): UpstreamImport {
  const report = new ImportReport();
  const config = deployConfigSchema.parse({});
  const secrets: FoundSecrets = {};

  if (file["_version"] === 1) {
    report.applied("_version", "config", "format version 1");
  } else {
    report.rejected("_version", "expected format version 1; the fields were read as version 1 anyway");
  }

  const handled = new Set(["_version", "install_fa2", "install_sa2", "extra_plugins", "disabled_default_plugins", "sync_rules", "sync_settings", "comfyui_params"]);
  storeToken(file, "civitai_token", "civitai_token", secrets, report);
  storeToken(file, "cf_api_token", "cloudflare_token", secrets, report);
  handled.add("civitai_token").add("cf_api_token");
  if (file["rclone_config_base64"] !== undefined) {
    const conf = decodeRcloneConf(file["rclone_config_base64"]);
    if (conf.ok) {
      secrets.rclone_conf = conf.text;
      report.applied("rclone_config_base64", "secret:rclone_conf", `stored encrypted at the edge; remotes: ${conf.remotes.join(", ")}`);
    } else {
      report.rejected("rclone_config_base64", conf.reason);
    }
  }
  handled.add("rclone_config_base64");

  mapAttention(file, config, report);
  mapPlugins(file, config, report);
  const watchInterval = mapSyncSettings(file["sync_settings"], config, report);
  if (file["sync_rules"] !== undefined) {
    config.sync_rules = mapSyncRules(file["sync_rules"], watchInterval, report);
  }
  if (file["comfyui_params"] !== undefined) {
    const params = file["comfyui_params"];
    if (typeof params === "object" && params !== null && !Array.isArray(params)) {
      config.request.launch_options = mapLaunchParams(params as Record<string, unknown>, report);
    } else {
      report.rejected("comfyui_params", "expected an object keyed by option name");
    }
  }
  mapTunnelNames(file, config, report);
  handled.add("cf_domain").add("cf_subdomain");

  for (const key of Object.keys(file)) {
    if (handled.has(key)) {
      continue;
    }
    report.notApplied(key, NOT_APPLIED[key] ?? "not a field of the old export format");
  }
  return { config, secrets, report };
}
