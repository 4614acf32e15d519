/**
 * @module `GET /api/reporter/ws`: the reporter's socket. The instance token comes as a Bearer
 * header, or as `?token=` for clients that cannot set headers. Its hash is looked up in the fleet
 * registry, and the upgrade goes on to that instance's object.
 */
import { ComfyCarryError } from "@comfycarry/shared";
import { Hono } from "hono";

import { MAX_CREDENTIAL_LENGTH, bearerOf, hashCredential } from "../auth/token.js";
import { fleetStub, instanceStub } from "../env.js";
import type { AppEnv } from "../http/app-env.js";
import { isUpgrade } from "../http/socket-refusal.js";
import { log } from "../log.js";
import { ROLE_HEADER } from "../instance/roles.js";

function tokenOf(request: Request): string | null {
  const token = bearerOf(request.headers) ?? new URL(request.url).searchParams.get("token");
  return token === null || token === "" ? null : token;
}

export const reporterRoutes = new Hono<AppEnv>().get("/ws", async (c) => {
  if (!isUpgrade(c.req.raw)) {
    throw new ComfyCarryError("invalid_message", "this endpoint is a WebSocket; connect with Upgrade: websocket");
  }

  const token = tokenOf(c.req.raw);
  if (token === null) {
    throw new ComfyCarryError("unauthorized", "missing instance token; send Authorization: Bearer <token>");
  }
  const instance = token.length > MAX_CREDENTIAL_LENGTH ? null : await fleetStub(c.env).findByTokenHash(await hashCredential(token));
  if (instance === null) {
    log.warn({ ip: c.req.header("CF-Connecting-IP") ?? null }, "reporter presented an unknown token");
    throw new ComfyCarryError("unauthorized", "unknown or revoked instance token; enroll again with an enrollment key, or rotate the token under Settings → Instances");
  }

  // Only the role and the upgrade go on to the object; the token stays here.
  const url = new URL(c.req.url);
  url.search = "";
  const headers = new Headers({ Upgrade: "websocket", [ROLE_HEADER]: "reporter" });
  return instanceStub(c.env, instance.instance_id).fetch(new Request(url, { headers }));
});
