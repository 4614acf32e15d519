/** @module Instance tokens: generated once, shown once, stored at the edge only as a SHA-256 hash. */

/** Prefix that makes a leaked token recognisable to secret scanners and to people. */
export const INSTANCE_TOKEN_PREFIX = "cct_";

function toBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) {
    binary += String.fromCharCode(byte);
  }
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Generates a reporter token with 256 random bits. */
export function generateInstanceToken(): string {
  return INSTANCE_TOKEN_PREFIX + toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** Returns the lower-case hex SHA-256 of `token`, the only form the edge stores. */
export async function hashInstanceToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
