/**
 * @module Import and export of config files. An import accepts the earlier Python
 * ComfyCarry's export or this project's own. An export writes this project's format, and it
 * includes the stored secrets, sealed under a passphrase, only when one is given.
 */
import { CONFIG_EXPORT_FORMAT, ComfyCarryError, SECRET_NAMES, configExportFileSchema, deployConfigSchema, parseValue, toUtcTimestamp } from "@comfycarry/shared";
import type { ConfigExportFile, ConfigImportRequest, ConfigImportResult, DeployConfig } from "@comfycarry/shared";

import type { Env } from "../env.js";
import { openSecrets, sealSecrets } from "./passphrase.js";
import { ImportReport } from "./report.js";
import type { FoundSecrets } from "./report.js";
import { loadDeployConfig, readAllSecrets, saveDeployConfig, storeSecrets } from "./stored-config.js";
import { importUpstream, isUpstreamExport } from "./upstream-import.js";

interface ParsedImport {
  source: ConfigImportResult["source"];
  config: DeployConfig;
  secrets: FoundSecrets;
  report: ImportReport;
}

async function importOwn(file: unknown, passphrase: string | undefined): Promise<ParsedImport> {
  const parsed = parseValue(configExportFileSchema, file);
  if (!parsed.ok) {
    throw new ComfyCarryError("invalid_arguments", `invalid ${CONFIG_EXPORT_FORMAT} export file: ${parsed.issues}; export it again from the dashboard`, { field: "file" });
  }
  const report = new ImportReport();
  for (const key of Object.keys(deployConfigSchema.shape)) {
    report.applied(`config.${key}`, `config:${key}`);
  }

  let secrets: FoundSecrets = {};
  const sealed = parsed.value.secrets;
  if (sealed === null) {
    report.notApplied("secrets", "the file was exported without secrets");
  } else if (passphrase === undefined) {
    report.notApplied("secrets", "encrypted; give the export's passphrase to import them");
  } else {
    secrets = await openSecrets(sealed, passphrase);
    for (const name of SECRET_NAMES) {
      if (secrets[name] !== undefined) {
        report.applied(`secrets.${name}`, `secret:${name}`, "stored encrypted at the edge; it is not shown again");
      }
    }
  }
  return { source: "comfycarry", config: parsed.value.config, secrets, report };
}

/** Maps the file, then (unless `dry_run`) stores its secrets and saves its configuration. */
export async function importConfigFile(env: Env, request: ConfigImportRequest): Promise<ConfigImportResult> {
  const file = request.file;
  let parsed: ParsedImport;
  if (isUpstreamExport(file)) {
    parsed = { source: "upstream", ...importUpstream(file) };
  } else if (typeof file === "object" && file !== null && (file as { format?: unknown }).format === CONFIG_EXPORT_FORMAT) {
    parsed = await importOwn(file, request.passphrase);
  } else {
    throw new ComfyCarryError(
      "invalid_arguments",
      `not a ComfyCarry config file: expected "_version" (an export of the earlier ComfyCarry) or "format": "${CONFIG_EXPORT_FORMAT}"`,
      { field: "file" },
    );
  }

  const secretsFound = SECRET_NAMES.filter((name) => parsed.secrets[name] !== undefined);
  if (request.dry_run === true) {
    return { source: parsed.source, report: parsed.report.entries, config: parsed.config, secrets_stored: [], stored: false };
  }
  await storeSecrets(env, parsed.secrets);
  await saveDeployConfig(env, null, parsed.config);
  if (request.instance_id !== undefined) {
    await saveDeployConfig(env, request.instance_id, parsed.config);
  }
  return { source: parsed.source, report: parsed.report.entries, config: parsed.config, secrets_stored: secretsFound, stored: true };
}

/** Builds the export file; the secrets are included, sealed, only with a passphrase. */
export async function exportConfigFile(env: Env, instanceId: string | null, passphrase: string | undefined): Promise<ConfigExportFile> {
  const { config } = await loadDeployConfig(env, instanceId);
  const secrets = passphrase === undefined ? null : await sealSecrets(await readAllSecrets(env), passphrase);
  return { format: CONFIG_EXPORT_FORMAT, exported_at: toUtcTimestamp(new Date()), config, secrets };
}
