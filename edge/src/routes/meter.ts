/**
 * @module The instance objects' usage counters, for the edge-cost benchmark. Only the owner's
 * session may read them, and only on an edge started with COMFYCARRY_METER=1; every other edge
 * responds 404 as if the route did not exist.
 */
import { ComfyCarryError } from "@comfycarry/shared";
import { Hono } from "hono";

import { requireOwnerSession } from "../auth/middleware.js";
import { instanceStub } from "../env.js";
import type { AppEnv } from "../http/app-env.js";
import { instanceIdParam } from "./instance-param.js";

export const instanceMeterRoutes = new Hono<AppEnv>().get("/:id/meter", requireOwnerSession(), async (c) => {
  if (c.env.COMFYCARRY_METER !== "1") {
    throw new ComfyCarryError("not_found", "the usage meter is off; start the edge with COMFYCARRY_METER=1 to read it");
  }
  const instanceId = instanceIdParam(c.req.param("id"));
  const reading = await instanceStub(c.env, instanceId).meterReading();
  if (reading === null) {
    throw new ComfyCarryError("not_found", `instance ${instanceId} has no usage meter; it was loaded before COMFYCARRY_METER was set`);
  }
  return c.json(reading);
});
