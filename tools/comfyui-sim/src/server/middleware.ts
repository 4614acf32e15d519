/** ComfyUI's middlewares: cache headers, optional gzip, and CORS or the Host/Origin check. */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { gzipSync } from "node:zlib";

import type { SimConfig } from "../config.js";
import { simConsole } from "../log/logger.js";
import { empty, type SimResponse } from "./respond.js";

const IMAGE_EXTENSIONS = [".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".ppm", ".pgm"];

function isLoopbackAddress(address: string): boolean {
  if (isIP(address) === 4) {
    return address.startsWith("127.");
  }
  const lower = address.toLowerCase();
  return lower === "::1" || lower === "0:0:0:0:0:0:0:1" || lower.startsWith("::ffff:127.");
}

/** Python's `is_loopback`: an IP literal is checked directly; a name must resolve only to loopback. */
async function isLoopback(host: string | null): Promise<boolean> {
  if (host === null || host === "") {
    return false;
  }
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (isIP(bare) !== 0) {
    return isLoopbackAddress(bare);
  }
  try {
    const addresses = await lookup(bare, { all: true });
    return addresses.length > 0 && addresses.every((entry) => isLoopbackAddress(entry.address));
  } catch {
    return false;
  }
}

/** Splits `host[:port]` like `urllib.parse.urlsplit('//' + host)`: lower-cased host name, optional port. */
function splitHost(netloc: string): { hostname: string | null; port: string | null } {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(netloc);
  if (match === null) {
    return { hostname: null, port: null };
  }
  const rawHost = (match[1] ?? "").replace(/^\[|\]$/g, "");
  return { hostname: rawHost === "" ? null : rawHost.toLowerCase(), port: match[2] !== undefined && match[2] !== "" ? match[2] : null };
}

function originNetloc(origin: string): string {
  const match = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)/.exec(origin);
  const netloc = match?.[1] ?? "";
  const at = netloc.lastIndexOf("@");
  return (at >= 0 ? netloc.slice(at + 1) : netloc).toLowerCase();
}

/**
 * Returns a 403 when Host names a loopback address and Origin's host differs. Ports are compared
 * only when both sides carry one. Requests without Origin always pass.
 */
export async function checkOrigin(host: string | undefined, origin: string | undefined): Promise<SimResponse | null> {
  if (host === undefined || origin === undefined) {
    return null;
  }
  let hostDomain: string | null = host.toLowerCase();
  const hostParts = splitHost(hostDomain);
  let originDomain: string | null = originNetloc(origin);
  const originParts = splitHost(originDomain);

  const loopback = await isLoopback(hostParts.hostname);
  if (originParts.port === null) {
    hostDomain = hostParts.hostname;
  }
  if (hostParts.port === null) {
    originDomain = originParts.hostname;
  }
  if (loopback && hostDomain !== null && originDomain !== null && hostDomain.length > 0 && originDomain.length > 0 && hostDomain !== originDomain) {
    simConsole.warning(`WARNING: request with non matching host and origin ${hostDomain} != ${originDomain}, returning 403`);
    return empty(403);
  }
  return null;
}

export function applyCors(response: SimResponse, origin: string): void {
  response.headers["Access-Control-Allow-Origin"] = origin;
  response.headers["Access-Control-Allow-Methods"] = "POST, GET, DELETE, PUT, OPTIONS";
  response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization";
  response.headers["Access-Control-Allow-Credentials"] = "true";
}

/** Adds ComfyUI's Cache-Control rules for scripts, styles, index JSON and image paths. */
export function applyCacheControl(path: string, response: SimResponse): void {
  const lower = path.toLowerCase();
  const name = lower.slice(lower.lastIndexOf("/") + 1);
  if (lower.endsWith(".js") || lower.endsWith(".css") || (name.startsWith("index") && name.endsWith(".json"))) {
    response.headers["Cache-Control"] = "no-cache";
    return;
  }
  if (!IMAGE_EXTENSIONS.some((extension) => lower.endsWith(extension))) {
    return;
  }
  if ([200, 201, 202, 203, 204, 205, 206, 301, 308].includes(response.status)) {
    response.headers["Cache-Control"] = "public, max-age=86400";
  } else if (response.status === 404) {
    response.headers["Cache-Control"] = "public, max-age=3600";
  } else if ([302, 303, 307].includes(response.status)) {
    response.headers["Cache-Control"] = "no-cache";
  }
}

/** Gzips JSON and text bodies when `--enable-compress-response-body` is on and the client accepts it. */
export function applyCompression(config: SimConfig, acceptEncoding: string | undefined, response: SimResponse): void {
  const type = response.headers["Content-Type"] ?? "";
  if (!config.compressResponses || !(acceptEncoding ?? "").includes("gzip") || response.body.length === 0) {
    return;
  }
  if (!type.startsWith("application/json") && !type.startsWith("text/")) {
    return;
  }
  response.body = gzipSync(response.body);
  response.headers["Content-Encoding"] = "gzip";
}
