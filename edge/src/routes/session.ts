/**
 * @module The signed-in owner's own routes under `/api/auth`: session check, logout, password
 * change and signing out everywhere. API tokens cannot use the last three.
 */
import { ComfyCarryError, passwordChangeRequestSchema, toUtcTimestamp } from "@comfycarry/shared";
import type { SessionInfo } from "@comfycarry/shared";
import { Hono } from "hono";

import { auditActor } from "../auth/actor.js";
import { throttledCheck } from "../auth/attempt.js";
import { csrfToken } from "../auth/csrf.js";
import { requireOwnerSession } from "../auth/middleware.js";
import { changeOwnerPassword, ownerPassword } from "../auth/owner.js";
import { verifyPassword } from "../auth/password.js";
import { clearSessionCookie, startSession } from "../auth/session.js";
import { requireSecret } from "../auth/settings.js";
import { recordAudit } from "../audit/record.js";
import { fleetStub } from "../env.js";
import type { AppEnv } from "../http/app-env.js";
import { SMALL_BODY_BYTES, limitBody, readBody } from "../http/body.js";
import { log } from "../log.js";

export const sessionRoutes = new Hono<AppEnv>()
  .get("/session", requireOwnerSession(), async (c) => {
    const session = c.get("session");
    const info: SessionInfo = {
      authenticated: true,
      expires_at: toUtcTimestamp(new Date(session.expiresAt)),
      csrf_token: await csrfToken(requireSecret(c.env, "SESSION_SECRET"), session.sessionId),
    };
    return c.json(info);
  })

  .post("/logout", requireOwnerSession(), async (c) => {
    await fleetStub(c.env).endSession(c.get("session").idHash);
    clearSessionCookie(c);
    return c.body(null, 204);
  })

  .post("/password", requireOwnerSession(), limitBody(SMALL_BODY_BYTES), async (c) => {
    const body = await readBody(c, passwordChangeRequestSchema);
    const secret = requireSecret(c.env, "SESSION_SECRET");
    const stored = await ownerPassword(c.env);
    const ok = stored !== null && (await throttledCheck(c.env, c.req.raw.headers, "password change", () => verifyPassword(body.current_password, stored)));
    if (!ok) {
      throw new ComfyCarryError("unauthorized", "the current password is wrong");
    }

    const ended = await changeOwnerPassword(c.env, body.new_password);
    await startSession(c, secret);
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId: null, action: "owner.password_change", result: "ok" });
    log.info({ endedSessions: ended }, "owner password changed; every other session ended");
    return c.body(null, 204);
  })

  .post("/sessions/revoke-all", requireOwnerSession(), async (c) => {
    const ended = await fleetStub(c.env).endAllSessions();
    clearSessionCookie(c);
    await recordAudit(c.env, { actor: auditActor(c.get("actor")), instanceId: null, action: "owner.sign_out_everywhere", result: "ok" });
    log.info({ endedSessions: ended }, "signed out everywhere");
    return c.body(null, 204);
  });
