/**
 * @module Owner password hashing: PBKDF2-SHA-256 from WebCrypto with a random salt per stored
 * password. Verification derives the candidate's key with the stored salt and compares with
 * `timingSafeEqual`, so the time taken does not depend on how much of it matches.
 */
import { z } from "zod";

import { toBase64Url } from "./token.js";

/** workerd rejects PBKDF2 above 100,000 iterations (`DEFAULT_MAX_PBKDF2_ITERATIONS`), so this is the ceiling. */
export const PBKDF2_ITERATIONS = 100_000;

const KEY_BITS = 256;
const SALT_BYTES = 16;

/** A stored password hash; `iterations` is kept so a later change of the count can still verify old hashes. */
export const passwordHashSchema = z.object({
  algorithm: z.literal("pbkdf2-sha256"),
  iterations: z.number().int().positive().max(PBKDF2_ITERATIONS),
  salt: z.string(),
  hash: z.string(),
});
export type PasswordHash = z.infer<typeof passwordHashSchema>;

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) {
    bytes[index] = binary.charCodeAt(index);
  }
  return bytes;
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<ArrayBuffer> {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  return crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, material, KEY_BITS);
}

/** Hashes `password` with a fresh random salt. */
export async function hashPassword(password: string): Promise<PasswordHash> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const key = await derive(password, salt, PBKDF2_ITERATIONS);
  return { algorithm: "pbkdf2-sha256", iterations: PBKDF2_ITERATIONS, salt: toBase64Url(salt), hash: toBase64Url(new Uint8Array(key)) };
}

/** Returns whether `candidate` matches `stored`, in time independent of the match. */
export async function verifyPassword(candidate: string, stored: PasswordHash): Promise<boolean> {
  const key = await derive(candidate, fromBase64Url(stored.salt), stored.iterations);
  const expected = fromBase64Url(stored.hash);
  return key.byteLength === expected.byteLength && crypto.subtle.timingSafeEqual(key, expected);
}

/** Compares two strings in time independent of where they differ, by comparing their SHA-256 digests. */
export async function equalsConstantTime(a: string, b: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [left, right] = await Promise.all([crypto.subtle.digest("SHA-256", encoder.encode(a)), crypto.subtle.digest("SHA-256", encoder.encode(b))]);
  return crypto.subtle.timingSafeEqual(left, right);
}
