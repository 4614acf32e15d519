/**
 * @module Alert routes: `GET /api/alerts` (every instance), `GET /api/instances/:id/alerts`,
 * acknowledging an alert, each instance's alert settings (idle alert, price, auto-stop grace) and
 * its auto-stop status.
 * Reading needs `read`, acknowledging `control`, and changing settings `admin`.
 */
import { ComfyCarryError, alertQuerySchema, alertSettingsSchema, parseValue } from "@comfycarry/shared";
import type { Alert, AlertQuery, AlertSummary } from "@comfycarry/shared";
import { Hono } from "hono";
import type { Context } from "hono";

import { auditActor } from "../auth/actor.js";
import { requireScope } from "../auth/middleware.js";
import { recordAudit } from "../audit/record.js";
import { fleetStub, instanceStub } from "../env.js";
import type { AppEnv } from "../http/app-env.js";
import { SMALL_BODY_BYTES, limitBody, readBody } from "../http/body.js";
import { instanceIdParam } from "./instance-param.js";

function alertQuery(c: Context<AppEnv>): AlertQuery {
  const parsed = parseValue(alertQuerySchema, c.req.query());
  if (!parsed.ok) {
    throw new ComfyCarryError("invalid_message", `invalid alert query: ${parsed.issues}; use state=active|cleared|all and limit=1..500`);
  }
  return parsed.value;
}

function notFound(instanceId: string): ComfyCarryError {
  return new ComfyCarryError("not_found", `no instance with id ${instanceId}`);
}

/** `GET /api/alerts`: the alerts of every instance, newest first; `GET /api/alerts/summary`: active counts. */
export const alertRoutes = new Hono<AppEnv>()
  .get("/summary", requireScope("read"), async (c) => {
    const instances = await fleetStub(c.env).alertSummaries();
    const summary: AlertSummary = {
      active: instances.reduce((sum, item) => sum + item.active, 0),
      critical: instances.reduce((sum, item) => sum + item.critical, 0),
      instances,
    };
    return c.json(summary);
  })
  .get("/", requireScope("read"), async (c) => {
  const query = alertQuery(c);
  const records = await fleetStub(c.env).listInstances();
  const lists = await Promise.all(records.map((record) => instanceStub(c.env, record.instance_id).listAlerts(query)));
  const alerts = lists
    .flatMap((list): Alert[] => list ?? [])
    .sort((a, b) => b.raised_at.localeCompare(a.raised_at))
    .slice(0, query.limit);
  return c.json({ alerts });
});

/** Alert routes under `/api/instances/:id`. */
export const instanceAlertRoutes = new Hono<AppEnv>()
  .get("/:id/alerts", requireScope("read"), async (c) => {
    const instanceId = instanceIdParam(c.req.param("id"));
    const alerts = await instanceStub(c.env, instanceId).listAlerts(alertQuery(c));
    if (alerts === null) {
      throw notFound(instanceId);
    }
    return c.json({ alerts });
  })

  .post("/:id/alerts/:alertId/ack", requireScope("control"), async (c) => {
    const instanceId = instanceIdParam(c.req.param("id"));
    const alertId = c.req.param("alertId");
    const alert = await instanceStub(c.env, instanceId).acknowledgeAlert(alertId.slice(0, 64));
    if (alert === null) {
      throw new ComfyCarryError("not_found", `instance ${instanceId} has no alert ${JSON.stringify(alertId.slice(0, 64))}`);
    }
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId, action: "alert.acknowledge", args: { alert_id: alert.id, rule: alert.rule }, result: "ok" });
    return c.json(alert);
  })

  .get("/:id/auto-stop", requireScope("read"), async (c) => {
    const instanceId = instanceIdParam(c.req.param("id"));
    const status = await instanceStub(c.env, instanceId).autoStopStatus();
    if (status === null) {
      throw notFound(instanceId);
    }
    return c.json(status);
  })

  .get("/:id/alert-settings", requireScope("read"), async (c) => {
    const instanceId = instanceIdParam(c.req.param("id"));
    const settings = await instanceStub(c.env, instanceId).alertSettings();
    if (settings === null) {
      throw notFound(instanceId);
    }
    return c.json(settings);
  })

  .put("/:id/alert-settings", requireScope("admin"), limitBody(SMALL_BODY_BYTES), async (c) => {
    const instanceId = instanceIdParam(c.req.param("id"));
    const settings = await readBody(c, alertSettingsSchema);
    if (!(await instanceStub(c.env, instanceId).saveAlertSettings(settings))) {
      throw notFound(instanceId);
    }
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId, action: "alert.settings", args: settings, result: "ok" });
    return c.json(settings);
  });
