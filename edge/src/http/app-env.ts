/** @module The Hono environment type shared by the edge's routes and middleware. */
import type { Env } from "../env.js";

export type AppEnv = {
  Bindings: Env;
  Variables: {
    /** Set by `requireOwner`: when the caller's session expires. */
    sessionExpiresAt: Date;
  };
};
