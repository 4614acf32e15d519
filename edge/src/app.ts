/**
 * @module The edge's HTTP app. Anonymous callers reach only health, login, the static dashboard
 * and the reporter socket, which authenticates with its instance token. Every other `/api` path
 * needs the owner session. State-changing requests pass the same-origin check first.
 */
import { ComfyCarryError } from "@comfycarry/shared";
import { Hono } from "hono";

import { checkOrigin, requireOwner } from "./auth/middleware.js";
import type { AppEnv } from "./http/app-env.js";
import { handleError } from "./http/errors.js";
import { authRoutes } from "./routes/auth.js";
import { healthRoutes } from "./routes/health.js";
import { instanceRoutes } from "./routes/instances.js";
import { reporterRoutes } from "./routes/reporter.js";

const ownerRoutes = new Hono<AppEnv>()
  .use("*", requireOwner())
  .route("/instances", instanceRoutes)
  .all("*", (c) => {
    throw new ComfyCarryError("not_found", `no API route ${c.req.method} ${c.req.path}`);
  });

export const app = new Hono<AppEnv>()
  .use("/api/*", checkOrigin())
  // Public routes come before the owner routes, so they respond before `requireOwner` runs.
  .route("/api", healthRoutes)
  .route("/api/auth", authRoutes)
  .route("/api/reporter", reporterRoutes)
  .route("/api", ownerRoutes)
  // Only requests the asset layer passed on reach this, e.g. a missing file that is not a page navigation.
  .all("*", (c) => c.env.ASSETS.fetch(c.req.raw));

app.onError(handleError);
