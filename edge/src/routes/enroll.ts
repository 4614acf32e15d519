/**
 * @module `POST /api/enroll`: a container trades an enrollment key (`Authorization: Bearer
 * cce_…`) for its own reporter token. The key can do nothing else.
 */
import { ComfyCarryError, enrollRequestSchema } from "@comfycarry/shared";
import { Hono } from "hono";

import { ENROLLMENT_KEY_PREFIX, MAX_CREDENTIAL_LENGTH, bearerOf, hashCredential } from "../auth/token.js";
import { recordAudit } from "../audit/record.js";
import { fleetStub } from "../env.js";
import { enrollContainer } from "../fleet/enroll.js";
import type { AppEnv } from "../http/app-env.js";
import { SMALL_BODY_BYTES, limitBody, readBody } from "../http/body.js";
import { log } from "../log.js";

export const enrollRoutes = new Hono<AppEnv>().post("/", limitBody(SMALL_BODY_BYTES), async (c) => {
  const key = bearerOf(c.req.raw.headers);
  if (key === null || !key.startsWith(ENROLLMENT_KEY_PREFIX) || key.length > MAX_CREDENTIAL_LENGTH) {
    throw new ComfyCarryError("unauthorized", `send an enrollment key as Authorization: Bearer ${ENROLLMENT_KEY_PREFIX}…; create one under Settings → Enrollment keys`);
  }
  const record = await fleetStub(c.env).useEnrollmentKey(await hashCredential(key), Date.now());
  if (record === null) {
    log.warn({ address: c.req.header("CF-Connecting-IP") ?? null }, "enrollment with an unknown or revoked key");
    throw new ComfyCarryError("unauthorized", "unknown or revoked enrollment key; create a new one under Settings → Enrollment keys");
  }

  const request = await readBody(c, enrollRequestSchema);
  const enrolled = await enrollContainer(c.env, request);
  await recordAudit(c.env, {
    actor: { kind: "enrollment_key", name: record.name },
    instanceId: enrolled.instance_id,
    action: "enroll",
    args: { name: request.name ?? null, hostname: request.host?.hostname ?? null, replaced: enrolled.replaced },
    result: "ok",
  });
  return c.json(enrolled, 201);
});
