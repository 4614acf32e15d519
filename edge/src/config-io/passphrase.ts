/**
 * @module Seals exported secrets with a passphrase the owner chooses: PBKDF2-SHA-256 derives
 * an AES-256-GCM key from it and a random salt, and the format name is the additional data.
 * A wrong passphrase fails GCM's tag check, which is the only way to tell it is wrong.
 */
import { ComfyCarryError, CONFIG_EXPORT_FORMAT, exportedSecretValuesSchema, parseValue } from "@comfycarry/shared";
import type { SealedSecrets } from "@comfycarry/shared";
import type { z } from "zod";

import { toBase64Url } from "../auth/token.js";

/** workerd rejects PBKDF2 above 100,000 iterations, so this is the ceiling. */
const ITERATIONS = 100_000;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const encoder = new TextEncoder();

type SecretValues = z.infer<typeof exportedSecretValuesSchema>;

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

async function passphraseKey(passphrase: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<CryptoKey> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  return crypto.subtle.deriveKey({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, material, { name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]);
}

/** Encrypts the secret values as JSON under `passphrase`. */
export async function sealSecrets(values: SecretValues, passphrase: string): Promise<SealedSecrets> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const key = await passphraseKey(passphrase, salt, ITERATIONS);
  const sealed = await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: encoder.encode(CONFIG_EXPORT_FORMAT) }, key, encoder.encode(JSON.stringify(values)));
  return {
    kdf: "PBKDF2-SHA-256",
    iterations: ITERATIONS,
    salt: toBase64Url(salt),
    cipher: "AES-256-GCM",
    iv: toBase64Url(iv),
    ciphertext: toBase64Url(new Uint8Array(sealed)),
  };
}

/** Decrypts what {@link sealSecrets} made; a wrong passphrase raises `invalid_arguments`. */
export async function openSecrets(sealed: SealedSecrets, passphrase: string): Promise<SecretValues> {
  if (sealed.iterations > ITERATIONS) {
    throw new ComfyCarryError("invalid_arguments", `the file's secrets use ${sealed.iterations} PBKDF2 iterations; at most ${ITERATIONS} can be opened here`);
  }
  let plain: ArrayBuffer;
  try {
    const key = await passphraseKey(passphrase, fromBase64Url(sealed.salt), sealed.iterations);
    plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64Url(sealed.iv), additionalData: encoder.encode(CONFIG_EXPORT_FORMAT) },
      key,
      fromBase64Url(sealed.ciphertext),
    );
  } catch {
    throw new ComfyCarryError("invalid_arguments", "the passphrase does not open this file's secrets; check it, or import without a passphrase to skip the secrets", {
      field: "passphrase",
    });
  }
  const parsed = parseValue(exportedSecretValuesSchema, JSON.parse(new TextDecoder().decode(plain)));
  if (!parsed.ok) {
    throw new ComfyCarryError("invalid_arguments", `the file's secrets opened but do not have the expected shape: ${parsed.issues}`);
  }
  return parsed.value;
}
