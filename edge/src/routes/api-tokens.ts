/** @module `/api/tokens`: API tokens for scripts, created with a name and scope, shown once, revocable. */
import { ComfyCarryError, apiTokenCreateRequestSchema, toUtcTimestamp } from "@comfycarry/shared";
import type { apiTokenCreatedSchema } from "@comfycarry/shared";
import { Hono } from "hono";
import type { z } from "zod";

import { auditActor } from "../auth/actor.js";
import { requireScope } from "../auth/middleware.js";
import { API_TOKEN_PREFIX, generateCredential, generateCredentialId, hashCredential } from "../auth/token.js";
import { recordAudit } from "../audit/record.js";
import { fleetStub } from "../env.js";
import type { AppEnv } from "../http/app-env.js";
import { SMALL_BODY_BYTES, limitBody, readBody } from "../http/body.js";
import { credentialIdParam } from "./credential-param.js";

export const apiTokenRoutes = new Hono<AppEnv>()
  .use("*", requireScope("admin"))

  .get("/", async (c) => c.json({ tokens: await fleetStub(c.env).listApiTokens() }))

  .post("/", limitBody(SMALL_BODY_BYTES), async (c) => {
    const { name, scope } = await readBody(c, apiTokenCreateRequestSchema);
    const token = generateCredential(API_TOKEN_PREFIX);
    const id = generateCredentialId();
    const now = Date.now();
    await fleetStub(c.env).addCredential("api_token", id, name, scope, await hashCredential(token), now);
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId: null, action: "api_token.create", args: { id, name, scope }, result: "ok" });

    const created: z.infer<typeof apiTokenCreatedSchema> = { id, name, scope, created_at: toUtcTimestamp(new Date(now)), last_used_at: null, token };
    return c.json(created, 201);
  })

  .delete("/:id", async (c) => {
    const id = credentialIdParam(c.req.param("id"), "API token");
    if (!(await fleetStub(c.env).revokeCredential("api_token", id))) {
      throw new ComfyCarryError("not_found", `no API token with id ${id}`);
    }
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId: null, action: "api_token.revoke", args: { id }, result: "ok" });
    return c.body(null, 204);
  });
