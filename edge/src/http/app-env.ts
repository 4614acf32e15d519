/** @module The Hono environment type shared by the edge's routes and middleware. */
import type { Actor } from "../auth/actor.js";
import type { SessionRef } from "../auth/session.js";
import type { Env } from "../env.js";

export type AppEnv = {
  Bindings: Env;
  Variables: {
    /** Set by `authenticate`: the owner's session or the API token behind the request. */
    actor: Actor;
    /** Set by `authenticate` for cookie sessions only. */
    session: SessionRef;
  };
};
