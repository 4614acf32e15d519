/**
 * @module `/api/secrets`: set, clear and list the stored secrets. Values go in and never come
 * back out: the list shows only whether each is set and when. A change is offered at once to
 * every connected reporter that takes that secret (secrets/fan-out.ts).
 */
import { ComfyCarryError, MAX_SECRET_BYTES, secretNameSchema, secretSetRequestSchema } from "@comfycarry/shared";
import type { SecretName } from "@comfycarry/shared";
import { Hono } from "hono";

import { auditActor } from "../auth/actor.js";
import { requireScope } from "../auth/middleware.js";
import { recordAudit } from "../audit/record.js";
import { fleetStub } from "../env.js";
import type { AppEnv } from "../http/app-env.js";
import { limitBody, readBody } from "../http/body.js";
import { encryptSecret } from "../secrets/cipher.js";
import { offerToReporters } from "../secrets/fan-out.js";

function secretNameParam(raw: string): SecretName {
  const parsed = secretNameSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ComfyCarryError("not_found", `no secret named ${JSON.stringify(raw.slice(0, 40))}; known: ${secretNameSchema.options.join(", ")}`);
  }
  return parsed.data;
}

/** JSON escaping can double a value's size; anything beyond that cannot hold a valid value. */
const SECRET_BODY_BYTES = MAX_SECRET_BYTES * 2 + 1024;

export const secretRoutes = new Hono<AppEnv>()
  .use("*", requireScope("admin"))

  .get("/", async (c) => c.json({ secrets: await fleetStub(c.env).secretStatus() }))

  .put("/:name", limitBody(SECRET_BODY_BYTES), async (c) => {
    const name = secretNameParam(c.req.param("name"));
    const { value } = await readBody(c, secretSetRequestSchema);
    await fleetStub(c.env).setSecret(name, await encryptSecret(c.env, name, value), Date.now());
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId: null, action: "secret.set", args: { name }, result: "ok" });
    await offerToReporters(c.env, name);
    return c.body(null, 204);
  })

  .delete("/:name", async (c) => {
    const name = secretNameParam(c.req.param("name"));
    await fleetStub(c.env).clearSecret(name);
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId: null, action: "secret.clear", args: { name }, result: "ok" });
    await offerToReporters(c.env, name);
    return c.body(null, 204);
  });
