import { configExportFileSchema, configImportResultSchema, deployConfigResponseSchema, tokenCheckResultSchema } from "@comfycarry/shared";

import { requestEmpty, requestJson } from "../../api/client";

import type { DeployConfig } from "@comfycarry/shared";

// The edge's `/api/config` routes the setup wizard uses: its stored values, config import and
// the token check. Secrets go through the Settings API (`setSecret`), which never returns them.

/** Returns the instance's stored wizard values, the fleet default, or the defaults. */
export function fetchDeployConfig(instanceId: string) {
  return requestJson("GET", `/api/config/deploy/${encodeURIComponent(instanceId)}`, deployConfigResponseSchema);
}

export function saveDeployConfig(instanceId: string, config: DeployConfig) {
  return requestEmpty("PUT", `/api/config/deploy/${encodeURIComponent(instanceId)}`, { body: { config } });
}

/** Imports a parsed config file for the instance; `passphrase` opens the secrets of an encrypted export. */
export function importConfigFile(instanceId: string, file: unknown, passphrase: string | null) {
  const body = passphrase === null || passphrase === "" ? { file, instance_id: instanceId } : { file, instance_id: instanceId, passphrase };
  return requestJson("POST", "/api/config/import", configImportResultSchema, { body });
}

export function checkToken(name: "civitai_token" | "hf_token") {
  return requestJson("POST", `/api/config/tokens/${name}/check`, tokenCheckResultSchema, { body: {} });
}

/** Returns this project's config file; with a passphrase the stored secrets are included, encrypted. */
export function exportConfigFile(instanceId: string, passphrase: string | null) {
  const body = passphrase === null || passphrase === "" ? { instance_id: instanceId } : { instance_id: instanceId, passphrase };
  return requestJson("POST", "/api/config/export", configExportFileSchema, { body });
}
