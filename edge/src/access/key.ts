/**
 * @module The per-instance access key that signs tickets for the reporter's access proxy. It is
 * derived with HKDF-SHA-256 from the Worker secret `SECRETS_KEY` and the instance id, so the edge
 * stores nothing per instance. Changing `SECRETS_KEY` changes every key: reporters fetch the new
 * one when they next start, and until then their logins fail.
 */
import { requireSecret } from "../auth/settings.js";
import type { Env } from "../env.js";

const encoder = new TextEncoder();

/** Length of the key in bytes, the output size of HMAC-SHA-256. */
export const ACCESS_KEY_BYTES = 32;

/** Derives the 32-byte access key of `instanceId`. */
export async function accessKeyOf(env: Env, instanceId: string): Promise<Uint8Array<ArrayBuffer>> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(requireSecret(env, "SECRETS_KEY")), "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode("comfycarry-access-key"), info: encoder.encode(`instance:${instanceId}`) },
    material,
    ACCESS_KEY_BYTES * 8,
  );
  return new Uint8Array(bits);
}
