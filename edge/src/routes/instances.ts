/** @module Owner routes under `/api/instances`: list, enroll, overview, commands and the browser socket. */
import { ComfyCarryError, commandRequestSchema, parseValue } from "@comfycarry/shared";
import type { InstanceSummary } from "@comfycarry/shared";
import { Hono } from "hono";

import { fleetStub, instanceStub } from "../env.js";
import { enrollInstance } from "../fleet/enroll.js";
import { createInstanceRequestSchema } from "../fleet/schemas.js";
import type { AppEnv } from "../http/app-env.js";
import { limitBody, readBody, readJson } from "../http/body.js";
import { errorResponse } from "../http/errors.js";
import { isUpgrade } from "../http/socket-refusal.js";
import { describeInvalidCommand } from "../instance/command-validation.js";
import { ROLE_HEADER } from "../instance/roles.js";
import { instanceIdParam } from "./instance-param.js";

export const instanceRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const records = await fleetStub(c.env).listInstances();
    const summaries = await Promise.all(records.map((record) => instanceStub(c.env, record.instance_id).summary()));
    const instances = summaries.filter((summary): summary is InstanceSummary => summary !== null);
    return c.json({ instances });
  })

  .post("/", limitBody(), async (c) => {
    const { name } = await readBody(c, createInstanceRequestSchema);
    return c.json(await enrollInstance(c.env, name), 201);
  })

  .get("/:id/overview", async (c) => {
    const outcome = await instanceStub(c.env, instanceIdParam(c.req.param("id"))).overview();
    return outcome.ok ? c.json(outcome.value) : errorResponse(outcome.error);
  })

  .post("/:id/commands", limitBody(), async (c) => {
    const instanceId = instanceIdParam(c.req.param("id"));
    const raw = await readJson(c);
    const parsed = parseValue(commandRequestSchema, raw);
    if (!parsed.ok) {
      return errorResponse(describeInvalidCommand(raw, parsed.issues));
    }

    // The object keeps this request open until the reporter returns a result or the deadline passes.
    const outcome = await instanceStub(c.env, instanceId).runCommand(parsed.value);
    return outcome.ok ? c.body(outcome.value, 200, { "Content-Type": "application/json" }) : errorResponse(outcome.error);
  })

  .get("/:id/ws", async (c) => {
    const instanceId = instanceIdParam(c.req.param("id"));
    if (!isUpgrade(c.req.raw)) {
      throw new ComfyCarryError("invalid_message", "this endpoint is a WebSocket; connect with Upgrade: websocket");
    }
    const headers = new Headers({ Upgrade: "websocket", [ROLE_HEADER]: "browser" });
    return instanceStub(c.env, instanceId).fetch(new Request(c.req.url, { headers }));
  });
