/**
 * @module Anonymous owner routes: login, and the first-run setup that sets the owner password
 * once with the SETUP_CODE. Both run under the login throttle.
 */
import { ComfyCarryError, loginRequestSchema, setupRequestSchema } from "@comfycarry/shared";
import type { SetupStatus } from "@comfycarry/shared";
import { Hono } from "hono";

import { throttledCheck } from "../auth/attempt.js";
import { ownerPassword, setupRequired } from "../auth/owner.js";
import { equalsConstantTime, hashPassword, verifyPassword } from "../auth/password.js";
import { sessionIdOf, startSession } from "../auth/session.js";
import { optionalSetting, requireSecret } from "../auth/settings.js";
import { hashCredential } from "../auth/token.js";
import { fleetStub } from "../env.js";
import type { AppEnv } from "../http/app-env.js";
import { SMALL_BODY_BYTES, limitBody, readBody } from "../http/body.js";
import { log } from "../log.js";

const NO_PASSWORD_YET =
  "no owner password is set yet: open the dashboard and finish first-run setup with the setup code that edge/scripts/deploy.mjs printed, or set DASHBOARD_PASSWORD";

export const authRoutes = new Hono<AppEnv>()
  .post("/login", limitBody(SMALL_BODY_BYTES), async (c) => {
    const { password } = await readBody(c, loginRequestSchema);
    const secret = requireSecret(c.env, "SESSION_SECRET");
    const stored = await ownerPassword(c.env);
    if (stored === null) {
      throw new ComfyCarryError("forbidden", NO_PASSWORD_YET, { setup_required: true });
    }

    const ok = await throttledCheck(c.env, c.req.raw.headers, "login", () => verifyPassword(password, stored));
    if (!ok) {
      throw new ComfyCarryError("unauthorized", "wrong password");
    }

    // A new id on every login: a session id planted before login is worth nothing after it.
    const previous = await sessionIdOf(c, secret);
    if (previous !== null) {
      await fleetStub(c.env).endSession(await hashCredential(previous));
    }
    const session = await startSession(c, secret);
    log.info({ expiresAt: new Date(session.expiresAt).toISOString() }, "owner logged in");
    return c.body(null, 204);
  })

  .get("/setup", async (c) => {
    const status: SetupStatus = { setup_required: await setupRequired(c.env), setup_code_configured: optionalSetting(c.env.SETUP_CODE) !== null };
    return c.json(status);
  })

  .post("/setup", limitBody(SMALL_BODY_BYTES), async (c) => {
    const { setup_code: code, password } = await readBody(c, setupRequestSchema);
    const secret = requireSecret(c.env, "SESSION_SECRET");
    const expected = optionalSetting(c.env.SETUP_CODE);
    if (!(await setupRequired(c.env))) {
      throw new ComfyCarryError("forbidden", "setup is already done; sign in with the owner password");
    }
    if (expected === null) {
      throw new ComfyCarryError("forbidden", "no SETUP_CODE is deployed: run `node edge/scripts/deploy.mjs`, which generates and prints one, or set DASHBOARD_PASSWORD");
    }

    const ok = await throttledCheck(c.env, c.req.raw.headers, "setup", () => equalsConstantTime(code, expected));
    if (!ok) {
      throw new ComfyCarryError("unauthorized", "wrong setup code");
    }
    const stored = await fleetStub(c.env).setOwnerIfAbsent({ password: await hashPassword(password), source: "setup", envFingerprint: null, updatedAt: Date.now() });
    if (!stored) {
      throw new ComfyCarryError("forbidden", "setup is already done; sign in with the owner password");
    }

    await startSession(c, secret);
    log.info({}, "owner password set by first-run setup");
    return c.body(null, 204);
  });
