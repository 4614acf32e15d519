/**
 * @module Encryption of stored secrets: AES-256-GCM with a random 96-bit IV per value and the
 * secret's name as additional data, so a ciphertext copied to another name does not decrypt.
 * The key is derived with HKDF-SHA-256 from the Worker secret `SECRETS_KEY`; changing that
 * secret makes every stored value unreadable (they must then be set again). `sealText` is the
 * same cipher for other labels, e.g. the secret arguments of a pending command.
 */
import { ComfyCarryError } from "@comfycarry/shared";
import type { SecretName } from "@comfycarry/shared";

import { requireSecret } from "../auth/settings.js";
import type { Env } from "../env.js";
import { toBase64Url } from "../auth/token.js";

const FORMAT = "v1";
const IV_BYTES = 12;
const encoder = new TextEncoder();

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

async function secretsKey(env: Env): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(requireSecret(env, "SECRETS_KEY")), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: encoder.encode("comfycarry-secrets"), info: encoder.encode(FORMAT) },
    material,
    { name: "AES-GCM", length: 256 },
    false,
    ["encrypt", "decrypt"],
  );
}

/**
 * Encrypts `value` bound to `label` (the additional data): `v1.<iv>.<ciphertext>` in base64url.
 * The same label must be given to {@link openText}.
 */
export async function sealText(env: Env, label: string, value: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(label) }, await secretsKey(env), encoder.encode(value));
  return `${FORMAT}.${toBase64Url(iv)}.${toBase64Url(new Uint8Array(sealed))}`;
}

/** Decrypts what {@link sealText} made under `label`; the error names `what` and never includes any part of the value. */
export async function openText(env: Env, label: string, stored: string, what: string): Promise<string> {
  const [format, iv, sealed] = stored.split(".");
  if (format !== FORMAT || iv === undefined || sealed === undefined) {
    throw new ComfyCarryError("internal_error", `stored ${what} has an unknown format; set it again`);
  }
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: fromBase64Url(iv), additionalData: encoder.encode(label) }, await secretsKey(env), fromBase64Url(sealed));
    return new TextDecoder().decode(plain);
  } catch {
    throw new ComfyCarryError("internal_error", `stored ${what} does not decrypt with the current SECRETS_KEY; set it again`);
  }
}

/** Encrypts `value` for storage under `name`, with the name as additional data. */
export async function encryptSecret(env: Env, name: SecretName, value: string): Promise<string> {
  return sealText(env, name, value);
}

/** Decrypts a stored value; the error never includes any part of it. */
export async function decryptSecret(env: Env, name: SecretName, stored: string): Promise<string> {
  return openText(env, name, stored, `secret ${name}`);
}
