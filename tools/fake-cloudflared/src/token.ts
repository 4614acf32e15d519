/** Decoding a tunnel token: base64 of `{"a":account,"t":tunnel id,"s":secret}`. */

export interface DecodedToken {
  accountTag: string;
  tunnelId: string;
}

/** Returns the token's account and tunnel, or null when it does not decode as cloudflared expects. */
export function decodeToken(token: string): DecodedToken | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token.trim(), "base64").toString("utf8"));
    if (typeof parsed !== "object" || parsed === null) {
      return null;
    }
    const { a, t, s } = parsed as Record<string, unknown>;
    if (typeof a !== "string" || typeof t !== "string" || typeof s !== "string") {
      return null;
    }
    return /^[0-9a-f-]{36}$/.test(t) ? { accountTag: a, tunnelId: t } : null;
  } catch {
    return null;
  }
}
