/**
 * @module `/api/config`: the setup wizard's stored values per instance, and config import and
 * export. `/api/bootstrap/handoff` lets bootstrap.sh hand over the tokens and rclone.conf of the
 * container's environment with an enrollment key. Secrets go into the secret store and are
 * never returned, so the wizard gets only a flag per secret.
 */
import {
  ComfyCarryError,
  MAX_SECRET_BYTES,
  bootstrapHandoffRequestSchema,
  checkableTokenNameSchema,
  configExportRequestSchema,
  configImportRequestSchema,
  deployConfigSaveRequestSchema,
} from "@comfycarry/shared";
import type { DeployConfig } from "@comfycarry/shared";
import { Hono } from "hono";

import { auditActor } from "../auth/actor.js";
import { requireScope } from "../auth/middleware.js";
import { ENROLLMENT_KEY_PREFIX, MAX_CREDENTIAL_LENGTH, bearerOf, hashCredential } from "../auth/token.js";
import { recordAudit } from "../audit/record.js";
import { exportConfigFile, importConfigFile } from "../config-io/config-file.js";
import { loadDeployConfig, saveDeployConfig, storeSecrets, storedSecretFlags } from "../config-io/stored-config.js";
import { checkStoredToken } from "../config-io/token-check.js";
import { fleetStub } from "../env.js";
import type { Env } from "../env.js";
import type { AppEnv } from "../http/app-env.js";
import { SMALL_BODY_BYTES, limitBody, readBody } from "../http/body.js";
import { log } from "../log.js";
import { instanceIdParam } from "./instance-param.js";

/** An import body contains the whole file, and JSON escaping of an embedded rclone.conf can double it. */
const IMPORT_BODY_BYTES = 1024 * 1024;
/** Four secrets of at most MAX_SECRET_BYTES each, escaped, plus a few settings. */
const HANDOFF_BODY_BYTES = 4 * (MAX_SECRET_BYTES * 2) + SMALL_BODY_BYTES;

async function existingInstance(env: Env, raw: string): Promise<string> {
  const instanceId = instanceIdParam(raw);
  if ((await fleetStub(env).getInstance(instanceId)) === null) {
    throw new ComfyCarryError("not_found", `no instance with id ${instanceId}`);
  }
  return instanceId;
}

export const configRoutes = new Hono<AppEnv>()
  .get("/deploy/:id", requireScope("read"), async (c) => {
    const instanceId = await existingInstance(c.env, c.req.param("id"));
    const loaded = await loadDeployConfig(c.env, instanceId);
    return c.json({ instance_id: instanceId, source: loaded.source, config: loaded.config, secrets: await storedSecretFlags(c.env), updated_at: loaded.updatedAt });
  })

  .put("/deploy/:id", requireScope("admin"), limitBody(), async (c) => {
    const instanceId = await existingInstance(c.env, c.req.param("id"));
    const { config } = await readBody(c, deployConfigSaveRequestSchema);
    await saveDeployConfig(c.env, instanceId, config);
    return c.body(null, 204);
  })

  .post("/tokens/:name/check", requireScope("admin"), async (c) => {
    const parsed = checkableTokenNameSchema.safeParse(c.req.param("name"));
    if (!parsed.success) {
      throw new ComfyCarryError("not_found", `no checkable token named ${JSON.stringify(c.req.param("name").slice(0, 40))}; known: ${checkableTokenNameSchema.options.join(", ")}`);
    }
    const { config } = await loadDeployConfig(c.env, null);
    return c.json(await checkStoredToken(c.env, parsed.data, config.hf_endpoint));
  })

  .post("/import", requireScope("admin"), limitBody(IMPORT_BODY_BYTES), async (c) => {
    const request = await readBody(c, configImportRequestSchema);
    if (request.instance_id !== undefined) {
      await existingInstance(c.env, request.instance_id);
    }
    const result = await importConfigFile(c.env, request);
    if (result.stored) {
      await recordAudit(c.env, {
        actor: auditActor(c.get("actor")),
        instanceId: request.instance_id ?? null,
        action: "config.import",
        args: { source: result.source, secrets_stored: result.secrets_stored },
        result: "ok",
      });
    }
    return c.json(result);
  })

  .post("/export", requireScope("admin"), limitBody(SMALL_BODY_BYTES), async (c) => {
    const request = await readBody(c, configExportRequestSchema);
    const instanceId = request.instance_id === undefined ? null : await existingInstance(c.env, request.instance_id);
    const file = await exportConfigFile(c.env, instanceId, request.passphrase);
    await recordAudit(c.env, {
      actor: auditActor(c.get("actor")),
      instanceId,
      action: "config.export",
      args: { with_secrets: file.secrets !== null },
      result: "ok",
    });
    c.header("Content-Disposition", 'attachment; filename="comfycarry-config.json"');
    return c.json(file);
  });

/** Anonymous at the router; the handler requires an enrollment key, as `POST /api/enroll` does. */
export const bootstrapRoutes = new Hono<AppEnv>().post("/handoff", limitBody(HANDOFF_BODY_BYTES), async (c) => {
  const key = bearerOf(c.req.raw.headers);
  if (key === null || !key.startsWith(ENROLLMENT_KEY_PREFIX) || key.length > MAX_CREDENTIAL_LENGTH) {
    throw new ComfyCarryError("unauthorized", `send an enrollment key as Authorization: Bearer ${ENROLLMENT_KEY_PREFIX}…; create one under Settings → Enrollment keys`);
  }
  const record = await fleetStub(c.env).useEnrollmentKey(await hashCredential(key), Date.now());
  if (record === null) {
    throw new ComfyCarryError("unauthorized", "unknown or revoked enrollment key; create a new one under Settings → Enrollment keys");
  }

  const request = await readBody(c, bootstrapHandoffRequestSchema);
  // An enrollment key only fills in missing secrets; replacing one is the owner's decision.
  const secrets = await storeSecrets(c.env, request.secrets, { replace: false });
  const settingsChanged = await mergeSettings(c.env, request.settings);
  if (secrets.changed.length > 0 || secrets.kept.length > 0 || settingsChanged) {
    await recordAudit(c.env, {
      actor: { kind: "enrollment_key", name: record.name },
      instanceId: null,
      action: "bootstrap.handoff",
      args: { secrets_changed: secrets.changed, secrets_kept: secrets.kept, settings_changed: settingsChanged },
      result: "ok",
    });
  }
  if (secrets.kept.length > 0) {
    log.warn({ enrollmentKey: record.name, kept: secrets.kept }, "bootstrap handed over secrets that differ from the stored ones; kept the stored values");
  }
  return c.json({ secrets_changed: secrets.changed, secrets_unchanged: secrets.unchanged, secrets_kept: secrets.kept, settings_changed: settingsChanged });
});

/** Writes the handed-over settings into the fleet default; returns whether anything changed. */
async function mergeSettings(env: Env, settings: { hf_endpoint?: string | undefined; cf_domain?: string | undefined; cf_subdomain?: string | undefined }): Promise<boolean> {
  const loaded = await loadDeployConfig(env, null);
  const next: DeployConfig = structuredClone(loaded.config);
  next.hf_endpoint = settings.hf_endpoint ?? next.hf_endpoint;
  next.tunnel.domain = settings.cf_domain ?? next.tunnel.domain;
  next.tunnel.subdomain = settings.cf_subdomain ?? next.tunnel.subdomain;
  if (JSON.stringify(next) === JSON.stringify(loaded.config)) {
    return false;
  }
  await saveDeployConfig(env, null, next);
  return true;
}
