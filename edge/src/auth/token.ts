/**
 * @module Bearer credentials the edge issues: instance tokens, API tokens and enrollment keys.
 * Each has 256 random bits behind a prefix that names its kind, is shown once and is stored
 * only as a SHA-256 hash. A plain hash is enough here because the values are random, not
 * chosen by people; lookups go by hash, so no comparison ever reads the raw value.
 */

/** Prefixes that make a leaked value recognisable to secret scanners and to people. */
export const INSTANCE_TOKEN_PREFIX = "cct_";
export const API_TOKEN_PREFIX = "cca_";
export const ENROLLMENT_KEY_PREFIX = "cce_";

/** Longer values cannot be credentials we issued; they are rejected before hashing. */
export const MAX_CREDENTIAL_LENGTH = 256;

/** Encodes bytes as unpadded base64url. */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Returns `bytes` as lower-case hex. */
export function toHex(bytes: Uint8Array): string {
  return [...bytes].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Generates a credential with 256 random bits behind `prefix`. */
export function generateCredential(prefix: string): string {
  return prefix + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Generates a reporter token. */
export function generateInstanceToken(): string {
  return generateCredential(INSTANCE_TOKEN_PREFIX);
}

/** Generates the short public id of a token or key (16 hex characters). */
export function generateCredentialId(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(8)));
}

/** Returns the lower-case hex SHA-256 of `value`, the only form the edge stores. */
export async function hashCredential(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return toHex(new Uint8Array(digest));
}

/** Kept for callers that name the instance token explicitly. */
export const hashInstanceToken = hashCredential;

/** Returns the value of `Authorization: Bearer <value>`, or null when the header is absent or has another scheme. */
export function bearerOf(headers: Headers): string | null {
  const header = headers.get("Authorization");
  const value = header?.match(/^Bearer\s+(\S+)\s*$/i)?.[1];
  return value === undefined || value === "" ? null : value;
}
