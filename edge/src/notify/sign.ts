/** @module HMAC-SHA256 signatures that the DingTalk and Feishu robots check. */

const encoder = new TextEncoder();

function toBase64(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

/** Returns base64(HMAC-SHA256(key, message)). */
export async function hmacBase64(key: string, message: string): Promise<string> {
  const cryptoKey = await crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toBase64(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(message)));
}

/**
 * Signs a DingTalk robot request: the key is the `SEC…` secret and the message is
 * `<timestamp ms>\n<secret>`; the result goes URL-encoded into `sign` beside `timestamp`.
 */
export async function dingtalkSign(secret: string, timestampMs: number): Promise<string> {
  return hmacBase64(secret, `${timestampMs}\n${secret}`);
}

/**
 * Signs a Feishu custom bot request: the key is `<timestamp s>\n<secret>` and the message is
 * empty; the result goes into the body's `sign` beside `timestamp`.
 */
export async function feishuSign(secret: string, timestampS: number): Promise<string> {
  return hmacBase64(`${timestampS}\n${secret}`, "");
}
