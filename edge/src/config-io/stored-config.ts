/**
 * @module Reads and writes the setup wizard's values and the secrets an import or the
 * bootstrap handoff found. Secrets are encrypted in the Worker before they reach the fleet
 * object, and each change is offered to connected reporters as a Settings change would be.
 */
import { SECRET_NAMES, deployConfigSchema, parseValue, toUtcTimestamp } from "@comfycarry/shared";
import type { DeployConfig, SecretName } from "@comfycarry/shared";

import { fleetStub } from "../env.js";
import type { Env } from "../env.js";
import { log } from "../log.js";
import { decryptSecret, encryptSecret } from "../secrets/cipher.js";
import { offerToReporters } from "../secrets/fan-out.js";
import { DEFAULT_CONFIG_KEY } from "./config-store.js";
import type { FoundSecrets } from "./report.js";

export interface LoadedConfig {
  config: DeployConfig;
  source: "instance" | "default" | "empty";
  updatedAt: string | null;
}

function parseStored(key: string, body: string): DeployConfig | null {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = null;
  }
  const parsed = parseValue(deployConfigSchema, json);
  if (!parsed.ok) {
    log.warn({ key, issues: parsed.issues }, "stored deploy configuration no longer parses; the defaults are shown instead");
    return null;
  }
  return parsed.value;
}

/** Returns the instance's configuration, else the fleet default, else the schema defaults. */
export async function loadDeployConfig(env: Env, instanceId: string | null): Promise<LoadedConfig> {
  const fleet = fleetStub(env);
  const keys: [string, LoadedConfig["source"]][] = instanceId === null ? [] : [[instanceId, "instance"]];
  keys.push([DEFAULT_CONFIG_KEY, "default"]);
  for (const [key, source] of keys) {
    const stored = await fleet.deployConfig(key);
    const config = stored === null ? null : parseStored(key, stored.body);
    if (stored !== null && config !== null) {
      return { config, source, updatedAt: toUtcTimestamp(new Date(stored.updatedAt)) };
    }
  }
  return { config: deployConfigSchema.parse({}), source: "empty", updatedAt: null };
}

/** Stores `config` for the instance, or as the fleet default when `instanceId` is null. */
export async function saveDeployConfig(env: Env, instanceId: string | null, config: DeployConfig): Promise<void> {
  await fleetStub(env).setDeployConfig(instanceId ?? DEFAULT_CONFIG_KEY, JSON.stringify(config), Date.now());
}

/** Returns which secrets the edge holds, by name. */
export async function storedSecretFlags(env: Env): Promise<Record<SecretName, boolean>> {
  const status = await fleetStub(env).secretStatus();
  const flags = Object.fromEntries(SECRET_NAMES.map((name) => [name, false])) as Record<SecretName, boolean>;
  for (const entry of status) {
    flags[entry.name] = entry.set;
  }
  return flags;
}

/** Returns every stored secret in plain text, for an export sealed with a passphrase. */
export async function readAllSecrets(env: Env): Promise<FoundSecrets> {
  const fleet = fleetStub(env);
  const values: FoundSecrets = {};
  for (const name of SECRET_NAMES) {
    const stored = await fleet.secretCiphertext(name);
    if (stored !== null) {
      values[name] = await decryptSecret(env, name, stored);
    }
  }
  return values;
}

/**
 * Stores each secret whose value differs from the stored one and offers it to reporters. An
 * equal value is left alone, so a repeated run writes nothing. With `replace: false` a secret
 * already stored with another value is kept as well and listed in `kept`.
 */
export async function storeSecrets(env: Env, secrets: FoundSecrets, options: { replace: boolean } = { replace: true }): Promise<{ changed: SecretName[]; unchanged: SecretName[]; kept: SecretName[] }> {
  const fleet = fleetStub(env);
  const changed: SecretName[] = [];
  const unchanged: SecretName[] = [];
  const kept: SecretName[] = [];
  for (const name of SECRET_NAMES) {
    const value = secrets[name];
    if (value === undefined) {
      continue;
    }
    const stored = await fleet.secretCiphertext(name);
    const current = stored === null ? null : await decryptSecret(env, name, stored).catch(() => null);
    if (current === value) {
      unchanged.push(name);
      continue;
    }
    if (stored !== null && !options.replace) {
      kept.push(name);
      continue;
    }
    await fleet.setSecret(name, await encryptSecret(env, name, value), Date.now());
    await offerToReporters(env, name);
    changed.push(name);
  }
  return { changed, unchanged, kept };
}
