/** @module SHA-256 of a secret's text, the form in which a reporter lists its secrets (`hello.secrets`). */

/** Returns the hex SHA-256 of `text` encoded as UTF-8. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}
