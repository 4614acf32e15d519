/**
 * @module The edge's HTTP app. Anonymous callers reach only health, login, first-run setup,
 * the enrollment exchange (with an enrollment key), the reporter socket (with an instance
 * token) and the static dashboard. Every other `/api` path goes through `authenticate`, which
 * accepts the owner's session cookie or an API token, and each route then checks the scope
 * it needs. State-changing requests pass the same-origin check first.
 */
import { ComfyCarryError } from "@comfycarry/shared";
import { Hono } from "hono";

import { authenticate, checkOrigin, requireScope } from "./auth/middleware.js";
import type { AppEnv } from "./http/app-env.js";
import { handleError } from "./http/errors.js";
import { accessReporterRoutes, accessTicketRoutes } from "./routes/access.js";
import { alertRoutes, instanceAlertRoutes } from "./routes/alerts.js";
import { apiTokenRoutes } from "./routes/api-tokens.js";
import { auditRoutes } from "./routes/audit.js";
import { authRoutes } from "./routes/auth.js";
import { civitaiRoutes } from "./routes/civitai.js";
import { bootstrapRoutes, configRoutes } from "./routes/config.js";
import { enrollRoutes } from "./routes/enroll.js";
import { enrollmentKeyRoutes } from "./routes/enrollment-keys.js";
import { fleetRoutes, instanceFleetRoutes, metricsResponse } from "./routes/fleet.js";
import { healthRoutes } from "./routes/health.js";
import { notifyRoutes } from "./routes/notify.js";
import { instanceRoutes } from "./routes/instances.js";
import { instanceMeterRoutes } from "./routes/meter.js";
import { reporterRoutes } from "./routes/reporter.js";
import { secretRoutes } from "./routes/secrets.js";
import { sessionRoutes } from "./routes/session.js";

const protectedRoutes = new Hono<AppEnv>()
  .use("*", authenticate())
  .route("/auth", sessionRoutes)
  .route("/instances", instanceRoutes)
  .route("/instances", instanceAlertRoutes)
  .route("/alerts", alertRoutes)
  .route("/notify", notifyRoutes)
  .route("/instances", accessTicketRoutes)
  .route("/instances", instanceFleetRoutes)
  .route("/instances", instanceMeterRoutes)
  .route("/fleet", fleetRoutes)
  .route("/tokens", apiTokenRoutes)
  .route("/enrollment-keys", enrollmentKeyRoutes)
  .route("/secrets", secretRoutes)
  .route("/audit", auditRoutes)
  .route("/civitai", civitaiRoutes)
  .route("/config", configRoutes)
  .all("*", (c) => {
    throw new ComfyCarryError("not_found", `no API route ${c.req.method} ${c.req.path}`);
  });

export const app = new Hono<AppEnv>()
  .use("/api/*", checkOrigin())
  // Anonymous routes come before the protected ones, so they respond before `authenticate` runs.
  .route("/api", healthRoutes)
  .route("/api/auth", authRoutes)
  .route("/api/reporter/access", accessReporterRoutes)
  .route("/api/reporter", reporterRoutes)
  .route("/api/enroll", enrollRoutes)
  .route("/api/bootstrap", bootstrapRoutes)
  .route("/api", protectedRoutes)
  // Prometheus scrapes a fixed path; the same text is at /api/fleet/metrics.
  .get("/metrics", authenticate(), requireScope("read"), metricsResponse)
  // Only requests the asset layer passed on reach this, e.g. a missing file that is not a page navigation.
  .all("*", (c) => c.env.ASSETS.fetch(c.req.raw));

app.onError(handleError);
