/** @module `GET /api/health`: anonymous liveness and version check. */
import { PROTOCOL_VERSION, toUtcTimestamp } from "@comfycarry/shared";
import { Hono } from "hono";

import type { AppEnv } from "../http/app-env.js";
import { EDGE_VERSION } from "../version.js";

export const healthRoutes = new Hono<AppEnv>().get("/health", (c) =>
  c.json({ ok: true, version: EDGE_VERSION, protocol_version: PROTOCOL_VERSION, time: toUtcTimestamp() }),
);
