/** @module `GET /api/audit`: the audit log, newest first, filtered by the query string. */
import { ComfyCarryError, auditQuerySchema, parseValue } from "@comfycarry/shared";
import { Hono } from "hono";

import { requireScope } from "../auth/middleware.js";
import { fleetStub } from "../env.js";
import type { AppEnv } from "../http/app-env.js";

export const auditRoutes = new Hono<AppEnv>().get("/", requireScope("admin"), async (c) => {
  const parsed = parseValue(auditQuerySchema, c.req.query());
  if (!parsed.ok) {
    throw new ComfyCarryError("invalid_message", `invalid audit query: ${parsed.issues}`);
  }
  return c.json(await fleetStub(c.env).queryAudit(parsed.value));
});
