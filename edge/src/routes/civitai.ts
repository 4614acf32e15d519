/**
 * @module `GET /api/civitai/search`: CivitAI model search run by the edge, so the Models page
 * can browse CivitAI while no instance is online. Same arguments (as query parameters) and
 * result as the reporter command `models.civitai.search`. Needs the `read` scope.
 */
import { ComfyCarryError } from "@comfycarry/shared";
import { Hono } from "hono";

import { requireScope } from "../auth/middleware.js";
import { searchArgsFromQuery } from "../civitai/query.js";
import { searchCivitai } from "../civitai/search.js";
import { fleetStub } from "../env.js";
import type { Env } from "../env.js";
import type { AppEnv } from "../http/app-env.js";
import { log } from "../log.js";
import { decryptSecret } from "../secrets/cipher.js";

const DEFAULT_BASE_URL = "https://civitai.com";

/** The CivitAI origin from `CIVITAI_BASE_URL`; a value that is not an http(s) URL is a deployment mistake named in the error. */
function civitaiBaseUrl(env: Env): string {
  const configured = env.CIVITAI_BASE_URL ?? DEFAULT_BASE_URL;
  const url = URL.parse(configured);
  if (url === null || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new ComfyCarryError("internal_error", `CIVITAI_BASE_URL ${JSON.stringify(configured.slice(0, 100))} is not an http(s) URL; set it to e.g. ${DEFAULT_BASE_URL}`);
  }
  return url.origin;
}

/** The owner's stored CivitAI token, or null. One that no longer decrypts is skipped, so search still works anonymously. */
async function ownerToken(env: Env): Promise<string | null> {
  const stored = await fleetStub(env).secretCiphertext("civitai_token");
  if (stored === null) {
    return null;
  }
  try {
    return await decryptSecret(env, "civitai_token", stored);
  } catch (error) {
    log.warn({ secretName: "civitai_token", reason: error instanceof Error ? error.message : String(error) }, "stored CivitAI token unreadable; searching without it");
    return null;
  }
}

export const civitaiRoutes = new Hono<AppEnv>().get("/search", requireScope("read"), async (c) => {
  const args = searchArgsFromQuery(c.req.queries());
  return c.json(await searchCivitai(args, { baseUrl: civitaiBaseUrl(c.env), token: await ownerToken(c.env) }));
});
