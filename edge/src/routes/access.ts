/**
 * @module Routes of the reporter's access proxy, the login in front of ComfyUI.
 * `POST /api/instances/:id/access-ticket` (the owner's session) signs a short-lived ticket for
 * the "Open ComfyUI" link. The reporter, with its instance token as Bearer, fetches the key that
 * checks those tickets (`GET /api/reporter/access/key`) and checks whether an API token sent to
 * the proxy is valid (`POST /api/reporter/access/verify-token`).
 */
import { ACCESS_TICKET_TTL_MS, ComfyCarryError, accessTicketRequestSchema, accessTokenCheckRequestSchema, parseValue, toUtcTimestamp } from "@comfycarry/shared";
import type { AccessKeyResponse, AccessTicketResponse, AccessTokenCheckResponse } from "@comfycarry/shared";
import { Hono } from "hono";
import type { Context } from "hono";

import { accessKeyOf } from "../access/key.js";
import { issueAccessTicket, loginPath } from "../access/ticket.js";
import { auditActor } from "../auth/actor.js";
import { requireOwnerSession } from "../auth/middleware.js";
import { API_TOKEN_PREFIX, MAX_CREDENTIAL_LENGTH, bearerOf, hashCredential, toBase64Url } from "../auth/token.js";
import { recordAudit } from "../audit/record.js";
import { fleetStub } from "../env.js";
import type { AppEnv } from "../http/app-env.js";
import { SMALL_BODY_BYTES, limitBody, readBody } from "../http/body.js";
import { log } from "../log.js";
import { instanceIdParam } from "./instance-param.js";

/** Returns the id of the instance whose token is the request's Bearer value, or throws `unauthorized`. */
async function callingInstance(c: Context<AppEnv>): Promise<string> {
  const token = bearerOf(c.req.raw.headers);
  if (token === null) {
    throw new ComfyCarryError("unauthorized", "missing instance token; send Authorization: Bearer <instance token>");
  }
  const instance = token.length > MAX_CREDENTIAL_LENGTH ? null : await fleetStub(c.env).findByTokenHash(await hashCredential(token));
  if (instance === null) {
    log.warn({ ip: c.req.header("CF-Connecting-IP") ?? null, path: c.req.path }, "access proxy call with an unknown instance token");
    throw new ComfyCarryError("unauthorized", "unknown or revoked instance token; enroll again with an enrollment key, or rotate the token under Settings → Instances");
  }
  return instance.instance_id;
}

/** Mounted at `/api/reporter/access`; anonymous at the router, the instance token is checked in each handler. */
export const accessReporterRoutes = new Hono<AppEnv>()
  .get("/key", async (c) => {
    const instanceId = await callingInstance(c);
    const body: AccessKeyResponse = { instance_id: instanceId, key: toBase64Url(await accessKeyOf(c.env, instanceId)) };
    c.header("Cache-Control", "no-store");
    return c.json(body);
  })
  .post("/verify-token", limitBody(SMALL_BODY_BYTES), async (c) => {
    const instanceId = await callingInstance(c);
    const { token } = await readBody(c, accessTokenCheckRequestSchema);
    if (!token.startsWith(API_TOKEN_PREFIX) || token.length > MAX_CREDENTIAL_LENGTH) {
      return c.json<AccessTokenCheckResponse>({ valid: false });
    }
    const record = await fleetStub(c.env).useApiToken(await hashCredential(token), Date.now());
    if (record === null) {
      log.info({ instanceId }, "the access proxy presented an unknown or revoked API token");
      return c.json<AccessTokenCheckResponse>({ valid: false });
    }
    return c.json<AccessTokenCheckResponse>({ valid: true, token_id: record.id, scope: record.scope });
  });

/** Mounted at `/api/instances` behind `authenticate`. */
export const accessTicketRoutes = new Hono<AppEnv>().post("/:id/access-ticket", requireOwnerSession(), limitBody(SMALL_BODY_BYTES), async (c) => {
  const instanceId = instanceIdParam(c.req.param("id"));
  if ((await fleetStub(c.env).getInstance(instanceId)) === null) {
    throw new ComfyCarryError("not_found", `no instance with id ${instanceId}`);
  }
  const next = (await readOptionalBody(c)).next ?? "/";

  const now = Date.now();
  const { ticket, expiresAtMs } = await issueAccessTicket(c.env, instanceId, now);
  await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId, action: "access.ticket", args: { ttl_ms: ACCESS_TICKET_TTL_MS }, result: "ok" });
  const body: AccessTicketResponse = { ticket, expires_at: toUtcTimestamp(new Date(expiresAtMs)), login_path: loginPath(ticket, next) };
  c.header("Cache-Control", "no-store");
  return c.json(body, 201);
});

/** Reads the ticket request; an empty body means the defaults. */
async function readOptionalBody(c: Context<AppEnv>): Promise<{ next?: string | undefined }> {
  if ((c.req.header("Content-Length") ?? "0") === "0" && c.req.header("Transfer-Encoding") === undefined) {
    return {};
  }
  const text = await c.req.text();
  if (text.trim() === "") {
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ComfyCarryError("invalid_message", "request body is not valid JSON; send {} or {\"next\": \"/path\"}");
  }
  const parsed = parseValue(accessTicketRequestSchema, json);
  if (!parsed.ok) {
    throw new ComfyCarryError("invalid_message", `invalid request body: ${parsed.issues}`);
  }
  return parsed.value;
}
