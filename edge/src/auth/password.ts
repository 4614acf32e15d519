/**
 * @module Owner password check. Both the configured password and the candidate go through
 * PBKDF2-SHA-256, and the two derived keys are compared with `timingSafeEqual`, so the time
 * taken does not depend on how many leading characters match.
 */

/** workerd rejects PBKDF2 above 100,000 iterations (`DEFAULT_MAX_PBKDF2_ITERATIONS`), so this is the ceiling. */
export const PBKDF2_ITERATIONS = 100_000;

const KEY_BITS = 256;

/** The configured password's derived key, kept per isolate so each login derives only the candidate. */
let reference: { password: string; salt: Uint8Array<ArrayBuffer>; key: ArrayBuffer } | undefined;

async function deriveKey(password: string, salt: Uint8Array<ArrayBuffer>): Promise<ArrayBuffer> {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  return crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations: PBKDF2_ITERATIONS }, material, KEY_BITS);
}

async function referenceKey(configured: string): Promise<{ salt: Uint8Array<ArrayBuffer>; key: ArrayBuffer }> {
  if (reference?.password !== configured) {
    // A fresh random salt per isolate: the derived keys are never stored or sent anywhere.
    const salt = crypto.getRandomValues(new Uint8Array(16));
    reference = { password: configured, salt, key: await deriveKey(configured, salt) };
  }
  return reference;
}

/** Returns whether `candidate` equals the configured password, in time independent of the match. */
export async function verifyPassword(candidate: string, configured: string): Promise<boolean> {
  const { salt, key } = await referenceKey(configured);
  const candidateKey = await deriveKey(candidate, salt);
  return crypto.subtle.timingSafeEqual(candidateKey, key);
}
