/**
 * @module Routes under `/api/instances`: list, create, rename, remove, reporter token rotation
 * and revocation, overview, commands and the browser socket. Reading needs the `read` scope,
 * commands the scope each command names, and changes to instances `admin`.
 */
import { ComfyCarryError, commandRequestSchema, instanceRenameRequestSchema, parseValue } from "@comfycarry/shared";
import type { InstanceSummary } from "@comfycarry/shared";
import { Hono } from "hono";

import { auditActor, socketActor } from "../auth/actor.js";
import { requireScope } from "../auth/middleware.js";
import { generateInstanceToken, hashCredential } from "../auth/token.js";
import { recordAudit } from "../audit/record.js";
import { fleetStub, instanceStub } from "../env.js";
import { enrollInstance } from "../fleet/enroll.js";
import { createInstanceRequestSchema } from "../fleet/schemas.js";
import type { AppEnv } from "../http/app-env.js";
import { SMALL_BODY_BYTES, limitBody, readBody, readJson } from "../http/body.js";
import { errorResponse } from "../http/errors.js";
import { isUpgrade } from "../http/socket-refusal.js";
import { describeInvalidCommand } from "../instance/command-validation.js";
import { ACTOR_HEADER, ROLE_HEADER } from "../instance/roles.js";
import { instanceIdParam } from "./instance-param.js";
import type { Context } from "hono";

/** Returns the id of a registered instance from `:id`, or throws `not_found`. */
async function knownInstance(c: Context<AppEnv>): Promise<string> {
  const instanceId = instanceIdParam(c.req.param("id") ?? "");
  if ((await fleetStub(c.env).getInstance(instanceId)) === null) {
    throw new ComfyCarryError("not_found", `no instance with id ${instanceId}`);
  }
  return instanceId;
}

export const instanceRoutes = new Hono<AppEnv>()
  .get("/", requireScope("read"), async (c) => {
    const records = await fleetStub(c.env).listInstances();
    const summaries = await Promise.all(records.map((record) => instanceStub(c.env, record.instance_id).summary()));
    const instances = summaries.filter((summary): summary is InstanceSummary => summary !== null);
    return c.json({ instances });
  })

  .post("/", requireScope("admin"), limitBody(SMALL_BODY_BYTES), async (c) => {
    const { name } = await readBody(c, createInstanceRequestSchema);
    const created = await enrollInstance(c.env, name);
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId: created.instance_id, action: "instance.create", args: { name }, result: "ok" });
    return c.json(created, 201);
  })

  .patch("/:id", requireScope("admin"), limitBody(SMALL_BODY_BYTES), async (c) => {
    const instanceId = await knownInstance(c);
    const { name } = await readBody(c, instanceRenameRequestSchema);
    await fleetStub(c.env).renameInstance(instanceId, name);
    await instanceStub(c.env, instanceId).rename(name);
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId, action: "instance.rename", args: { name }, result: "ok" });
    return c.body(null, 204);
  })

  .delete("/:id", requireScope("admin"), async (c) => {
    const instanceId = await knownInstance(c);
    // Token first, so the reporter cannot reconnect between the two steps.
    await fleetStub(c.env).removeInstance(instanceId);
    await instanceStub(c.env, instanceId).remove();
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId, action: "instance.remove", result: "ok" });
    return c.body(null, 204);
  })

  .post("/:id/token", requireScope("admin"), async (c) => {
    const instanceId = await knownInstance(c);
    const token = generateInstanceToken();
    await fleetStub(c.env).setInstanceTokenHash(instanceId, await hashCredential(token));
    await instanceStub(c.env, instanceId).closeReporters({ code: "unauthorized", message: "the instance token was rotated; start the reporter with the new token" });
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId, action: "instance.token_rotate", result: "ok" });
    return c.json({ instance_id: instanceId, token });
  })

  .delete("/:id/token", requireScope("admin"), async (c) => {
    const instanceId = await knownInstance(c);
    await fleetStub(c.env).setInstanceTokenHash(instanceId, null);
    // Awaited, so the reporter's socket is closed before this request returns.
    await instanceStub(c.env, instanceId).closeReporters({ code: "unauthorized", message: "the instance token was revoked" });
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId, action: "instance.token_revoke", result: "ok" });
    return c.body(null, 204);
  })

  .get("/:id/overview", requireScope("read"), async (c) => {
    const outcome = await instanceStub(c.env, instanceIdParam(c.req.param("id"))).overview();
    return outcome.ok ? c.json(outcome.value) : errorResponse(outcome.error);
  })

  // The command's own scope is checked by the instance object, which also records the audit entry.
  .post("/:id/commands", requireScope("read"), limitBody(), async (c) => {
    const instanceId = instanceIdParam(c.req.param("id"));
    const raw = await readJson(c);
    const parsed = parseValue(commandRequestSchema, raw);
    if (!parsed.ok) {
      return errorResponse(describeInvalidCommand(raw, parsed.issues));
    }

    // The object keeps this request open until the reporter returns a result or the deadline passes.
    const outcome = await instanceStub(c.env, instanceId).runCommand(parsed.value, socketActor(c.get("actor")));
    return outcome.ok ? c.body(outcome.value, 200, { "Content-Type": "application/json" }) : errorResponse(outcome.error);
  })

  .get("/:id/ws", requireScope("read"), async (c) => {
    const instanceId = instanceIdParam(c.req.param("id"));
    if (!isUpgrade(c.req.raw)) {
      throw new ComfyCarryError("invalid_message", "this endpoint is a WebSocket; connect with Upgrade: websocket");
    }
    const headers = new Headers({ Upgrade: "websocket", [ROLE_HEADER]: "browser", [ACTOR_HEADER]: JSON.stringify(socketActor(c.get("actor"))) });
    return instanceStub(c.env, instanceId).fetch(new Request(c.req.url, { headers }));
  });
