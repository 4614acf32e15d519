/**
 * @module The client address that login throttling counts by. Only `CF-Connecting-IP` is read:
 * Cloudflare sets it from the connection and overwrites any value the client sent, while
 * `X-Forwarded-For`, `X-Real-IP` and similar headers are whatever the client wrote.
 */

/** Key for requests without the header, which only local tests and `app.request()` make. */
const UNKNOWN_ADDRESS = "unknown";

/** Expands an IPv6 address to eight groups of four hex digits, or returns null when it is not one. */
function expandIpv6(address: string): string[] | null {
  const halves = address.toLowerCase().split("::");
  if (halves.length > 2) {
    return null;
  }
  const head = halves[0] === "" || halves[0] === undefined ? [] : halves[0].split(":");
  const tail = halves.length === 2 && halves[1] !== "" && halves[1] !== undefined ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) {
    return null;
  }
  const groups = [...head, ...Array<string>(missing).fill("0"), ...tail];
  return groups.every((group) => /^[0-9a-f]{1,4}$/.test(group)) ? groups.map((group) => group.padStart(4, "0")) : null;
}

/**
 * Returns the throttling key of a request. An IPv6 client usually controls a whole /64, so
 * its addresses count together; an IPv4 address counts alone.
 */
export function clientAddressKey(headers: Headers): string {
  const raw = headers.get("CF-Connecting-IP")?.trim() ?? "";
  if (raw === "") {
    return UNKNOWN_ADDRESS;
  }
  if (raw.includes(":")) {
    const groups = expandIpv6(raw);
    return groups === null ? UNKNOWN_ADDRESS : `${groups.slice(0, 4).join(":")}::/64`;
  }
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(raw) ? raw : UNKNOWN_ADDRESS;
}
