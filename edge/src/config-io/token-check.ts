/**
 * @module Checks a stored token against its host's API, for the setup wizard. CivitAI returns
 * 401 from `GET /api/v1/models?hidden=1&limit=1` for an unknown token (a public endpoint would
 * accept any), and Hugging Face returns 401 from `GET /api/whoami-v2` for a bad token. The
 * token travels only in the Authorization header and never appears in a result or log line.
 */
import type { TokenCheckResult } from "@comfycarry/shared";
import { z } from "zod";

import { fleetStub } from "../env.js";
import type { Env } from "../env.js";
import { log } from "../log.js";
import { decryptSecret } from "../secrets/cipher.js";

const CHECK_TIMEOUT_MS = 10_000;
const whoamiSchema = z.object({ name: z.string().max(200) });

/** Returns the URL that checks token `name`; `hfEndpoint` is the wizard's Hugging Face mirror, if any. */
function checkUrl(env: Env, name: TokenCheckResult["name"], hfEndpoint: string | null): string {
  if (name === "civitai_token") {
    return `${(env.CIVITAI_BASE_URL ?? "https://civitai.com").replace(/\/+$/, "")}/api/v1/models?hidden=1&limit=1`;
  }
  return `${(hfEndpoint ?? "https://huggingface.co").replace(/\/+$/, "")}/api/whoami-v2`;
}

/** Checks the stored token `name`; a host that cannot be reached gives `valid: null`, never a throw. */
export async function checkStoredToken(env: Env, name: TokenCheckResult["name"], hfEndpoint: string | null): Promise<TokenCheckResult> {
  const stored = await fleetStub(env).secretCiphertext(name);
  if (stored === null) {
    return { name, stored: false, valid: false, account: null, detail: "no token is stored" };
  }
  const token = await decryptSecret(env, name, stored);
  const url = checkUrl(env, name, hfEndpoint);

  let response: Response;
  try {
    response = await fetch(url, { headers: { Authorization: `Bearer ${token}`, Accept: "application/json" }, signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log.warn({ secretName: name, host: new URL(url).host, reason }, "token check could not reach the host");
    return { name, stored: true, valid: null, account: null, detail: `could not reach ${new URL(url).host}: ${reason.slice(0, 200)}` };
  }

  if (response.status === 401 || response.status === 403) {
    return { name, stored: true, valid: false, account: null, detail: `${new URL(url).host} rejected the token (HTTP ${response.status})` };
  }
  if (!response.ok) {
    return { name, stored: true, valid: null, account: null, detail: `${new URL(url).host} returned HTTP ${response.status}; try again later` };
  }
  const body: unknown = await response.json().catch(() => null);
  const whoami = whoamiSchema.safeParse(body);
  return { name, stored: true, valid: true, account: name === "hf_token" && whoami.success ? whoami.data.name : null, detail: null };
}
