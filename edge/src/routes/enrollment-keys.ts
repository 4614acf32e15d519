/** @module `/api/enrollment-keys`: named, reusable, revocable keys that can only enroll instances. */
import { ComfyCarryError, enrollmentKeyCreateRequestSchema, toUtcTimestamp } from "@comfycarry/shared";
import type { enrollmentKeyCreatedSchema } from "@comfycarry/shared";
import { Hono } from "hono";
import type { z } from "zod";

import { auditActor } from "../auth/actor.js";
import { requireScope } from "../auth/middleware.js";
import { ENROLLMENT_KEY_PREFIX, generateCredential, generateCredentialId, hashCredential } from "../auth/token.js";
import { recordAudit } from "../audit/record.js";
import { fleetStub } from "../env.js";
import type { AppEnv } from "../http/app-env.js";
import { SMALL_BODY_BYTES, limitBody, readBody } from "../http/body.js";
import { credentialIdParam } from "./credential-param.js";

export const enrollmentKeyRoutes = new Hono<AppEnv>()
  .use("*", requireScope("admin"))

  .get("/", async (c) => c.json({ keys: await fleetStub(c.env).listEnrollmentKeys() }))

  .post("/", limitBody(SMALL_BODY_BYTES), async (c) => {
    const { name } = await readBody(c, enrollmentKeyCreateRequestSchema);
    const key = generateCredential(ENROLLMENT_KEY_PREFIX);
    const id = generateCredentialId();
    const now = Date.now();
    await fleetStub(c.env).addCredential("enrollment_key", id, name, null, await hashCredential(key), now);
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId: null, action: "enrollment_key.create", args: { id, name }, result: "ok" });

    const created: z.infer<typeof enrollmentKeyCreatedSchema> = { id, name, created_at: toUtcTimestamp(new Date(now)), last_used_at: null, use_count: 0, key };
    return c.json(created, 201);
  })

  .delete("/:id", async (c) => {
    const id = credentialIdParam(c.req.param("id"), "enrollment key");
    if (!(await fleetStub(c.env).revokeCredential("enrollment_key", id))) {
      throw new ComfyCarryError("not_found", `no enrollment key with id ${id}`);
    }
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId: null, action: "enrollment_key.revoke", args: { id }, result: "ok" });
    return c.body(null, 204);
  });
