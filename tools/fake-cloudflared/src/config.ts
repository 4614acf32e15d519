/** Finding and reading cloudflared's config file, including the default search that breaks quick tunnels. */
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

import { parse } from "yaml";

import type { Logger } from "./log.js";

/** One ingress rule as cloudflared reads it from YAML or a remote configuration. */
export interface IngressRule {
  hostname?: string;
  service: string;
}

export interface FileConfig {
  path: string;
  ingress: IngressRule[] | null;
  url: string | null;
}

/**
 * The folders cloudflared searches, in order. `FAKE_CLOUDFLARED_SEARCH_DIRS` (colon-separated)
 * replaces the list so a test never reads the machine's own /etc/cloudflared.
 */
function searchDirs(): string[] {
  const override = process.env["FAKE_CLOUDFLARED_SEARCH_DIRS"];
  if (override !== undefined) {
    return override.split(":").filter((dir) => dir !== "");
  }
  const home = homedir();
  return [join(home, ".cloudflared"), join(home, ".cloudflare-warp"), join(home, "cloudflare-warp"), "/etc/cloudflared", "/usr/local/etc/cloudflared"];
}

export class ConfigError extends Error {}

/** Returns the config file to use: `--config`, else the first default that exists, else null. */
export function findConfig(explicit: string | undefined, log: Logger): string | null {
  if (explicit !== undefined) {
    return explicit;
  }
  const dirs = searchDirs();
  for (const dir of dirs) {
    for (const name of ["config.yml", "config.yaml"]) {
      const path = join(dir, name);
      if (existsSync(path)) {
        return path;
      }
    }
  }
  log.info(`Cannot determine default configuration path. No file [config.yml config.yaml] in [${dirs.join(" ")}]`);
  return null;
}

/** Reads a config file; an empty one logs an error and counts as no settings, bad YAML raises `ConfigError`. */
export function readConfig(path: string, log: Logger): FileConfig {
  const text = readFileSync(path, "utf8");
  if (text.trim() === "") {
    log.error(`Configuration file ${path} was empty`);
    return { path, ingress: null, url: null };
  }

  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new ConfigError(`error parsing YAML in config file at ${path}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  }

  const record = typeof document === "object" && document !== null ? (document as Record<string, unknown>) : {};
  const ingress = Array.isArray(record["ingress"]) ? record["ingress"].filter(isRule) : null;
  const url = typeof record["url"] === "string" ? record["url"] : null;
  return { path, ingress, url };
}

function isRule(value: unknown): value is IngressRule {
  return typeof value === "object" && value !== null && typeof (value as { service?: unknown }).service === "string";
}
