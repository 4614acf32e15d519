/** @module Owner login, logout and session check. */
import { ComfyCarryError } from "@comfycarry/shared";
import { Hono } from "hono";
import { z } from "zod";

import { requireOwner } from "../auth/middleware.js";
import { verifyPassword } from "../auth/password.js";
import { endSession, startSession } from "../auth/session.js";
import { requireSecret } from "../auth/settings.js";
import type { AppEnv } from "../http/app-env.js";
import { limitBody, readBody } from "../http/body.js";
import { log } from "../log.js";

/** Bound on the password length, so a huge body cannot make PBKDF2 hash megabytes. */
const MAX_PASSWORD_LENGTH = 1024;

const loginRequestSchema = z.strictObject({ password: z.string().max(MAX_PASSWORD_LENGTH) });

export const authRoutes = new Hono<AppEnv>()
  .post("/login", limitBody(), async (c) => {
    const { password } = await readBody(c, loginRequestSchema);
    const configured = requireSecret(c.env, "DASHBOARD_PASSWORD");
    const secret = requireSecret(c.env, "SESSION_SECRET");

    if (!(await verifyPassword(password, configured))) {
      log.warn({ ip: c.req.header("CF-Connecting-IP") ?? null }, "login failed: wrong password");
      throw new ComfyCarryError("unauthorized", "wrong password");
    }

    const expiresAt = await startSession(c, secret);
    log.info({ expiresAt: expiresAt.toISOString() }, "owner logged in");
    return c.body(null, 204);
  })
  .post("/logout", requireOwner(), (c) => {
    endSession(c);
    return c.body(null, 204);
  })
  .get("/session", requireOwner(), (c) => c.json({ authenticated: true, expires_at: c.get("sessionExpiresAt").toISOString() }));
