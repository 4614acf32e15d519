// Gives `env` from "cloudflare:test" and "cloudflare:workers" the Worker's bindings.
import type { Env as EdgeEnv } from "../src/env.js";

declare global {
  namespace Cloudflare {
    interface Env extends EdgeEnv {}
  }
}
