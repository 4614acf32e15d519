/**
 * @module Fleet-wide and per-instance routes of the fleet page and external orchestration:
 * the status of every instance as JSON and in the Prometheus text format, each instance's
 * heartbeat history, and its hourly price. Reading needs the `read` scope, setting a price `admin`.
 */
import { ComfyCarryError, historyQuerySchema, parseValue, priceRequestSchema, toUtcTimestamp } from "@comfycarry/shared";
import type { InstancePrice } from "@comfycarry/shared";
import { Hono } from "hono";

import { auditActor } from "../auth/actor.js";
import { requireScope } from "../auth/middleware.js";
import { recordAudit } from "../audit/record.js";
import { fleetStub, instanceStub } from "../env.js";
import { collectFleetStatus } from "../fleet-status/collect.js";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "../fleet-status/prometheus.js";
import type { AppEnv } from "../http/app-env.js";
import { SMALL_BODY_BYTES, limitBody, readBody } from "../http/body.js";
import { errorResponse } from "../http/errors.js";
import { fetchProviderPrice } from "../spend/providers.js";
import { instanceIdParam } from "./instance-param.js";
import type { Context } from "hono";

/** Serves the Prometheus text of every instance. */
export async function metricsResponse(c: Context<AppEnv>): Promise<Response> {
  const status = await collectFleetStatus(c.env);
  return c.body(renderPrometheus(status.instances), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
}

/** Routes under `/api/fleet`. */
export const fleetRoutes = new Hono<AppEnv>()
  .get("/status", requireScope("read"), async (c) => c.json(await collectFleetStatus(c.env)))
  .get("/metrics", requireScope("read"), metricsResponse);

/** Routes under `/api/instances/:id` that belong to the fleet page. */
export const instanceFleetRoutes = new Hono<AppEnv>()
  .get("/:id/history", requireScope("read"), async (c) => {
    const instanceId = instanceIdParam(c.req.param("id"));
    const query = parseValue(historyQuerySchema, c.req.query());
    if (!query.ok) {
      throw new ComfyCarryError("invalid_arguments", `invalid history query: ${query.issues}; use ?range=1h, 48h or 30d`);
    }
    const outcome = await instanceStub(c.env, instanceId).history(query.value.range);
    return outcome.ok ? c.json(outcome.value) : errorResponse(outcome.error);
  })

  .put("/:id/price", requireScope("admin"), limitBody(SMALL_BODY_BYTES), async (c) => {
    const instanceId = instanceIdParam(c.req.param("id"));
    if ((await fleetStub(c.env).getInstance(instanceId)) === null) {
      throw new ComfyCarryError("not_found", `no instance with id ${instanceId}`);
    }
    const request = await readBody(c, priceRequestSchema);
    const setAt = toUtcTimestamp();
    const price: InstancePrice =
      request.source === "manual"
        ? { hourly_price: request.hourly_price, currency: request.currency, source: "manual", provider_id: null, set_at: setAt }
        : { hourly_price: await fetchProviderPrice(c.env, request.source, request.provider_id), currency: "USD", source: request.source, provider_id: request.provider_id, set_at: setAt };

    await instanceStub(c.env, instanceId).setPrice(price);
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId, action: "instance.price_set", args: { ...request }, result: "ok" });
    return c.json(price);
  })

  .delete("/:id/price", requireScope("admin"), async (c) => {
    const instanceId = instanceIdParam(c.req.param("id"));
    if (!(await instanceStub(c.env, instanceId).setPrice(null))) {
      throw new ComfyCarryError("not_found", `no instance with id ${instanceId}`);
    }
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId, action: "instance.price_clear", result: "ok" });
    return c.body(null, 204);
  });
