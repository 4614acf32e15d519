import type { HostRegistry, TokenSource } from "./hosts.js";

export interface ProbeContext {
  hosts: HostRegistry;
  tokens: TokenSource;
  userAgent: string;
  timeoutMs: number;
}

/** The last response of a redirect chain plus file metadata from earlier hops. */
export interface ProbeResult {
  /** URL of the final response; relative `Location` values are resolved against each hop. */
  finalUrl: string;
  /** Whether the final URL is on the origin the chain started at (the only one that saw the token). */
  sameOrigin: boolean;
  response: Response;
  /** Up to 64 bytes of the body of a 2xx response. */
  head: Buffer;
  /** Hugging Face's `X-Linked-Etag` (the LFS SHA-256) and `X-Linked-Size`, from any hop. */
  linkedEtag: string | null;
  linkedSize: number | null;
}

const MAX_HOPS = 10;
const HEAD_BYTES = 64;

/**
 * Follows redirects by hand with `GET` + `Range: bytes=0-63` (HEAD counts as a download on
 * CivitAI and is refused by GET-signed storage URLs). The token goes only to URLs on the
 * starting origin whose host matches a service exactly. A hop to any other origin is sent
 * without it, and no later hop gets it back.
 */
export async function probe(startUrl: string, context: ProbeContext): Promise<ProbeResult> {
  const start = new URL(startUrl);
  let current = start;
  let onStartOrigin = true;
  let linkedEtag: string | null = null;
  let linkedSize: number | null = null;

  for (let hop = 0; hop <= MAX_HOPS; hop += 1) {
    onStartOrigin = onStartOrigin && current.origin === start.origin;
    const headers: Record<string, string> = { "User-Agent": context.userAgent, Range: `bytes=0-${HEAD_BYTES - 1}`, "Accept-Encoding": "identity" };
    if (onStartOrigin) {
      Object.assign(headers, context.hosts.authHeaders(current, context.tokens));
    }
    const response = await fetch(current, { headers, redirect: "manual", signal: AbortSignal.timeout(context.timeoutMs) });
    linkedEtag = response.headers.get("x-linked-etag") ?? linkedEtag;
    const size = response.headers.get("x-linked-size");
    linkedSize = size !== null && /^\d+$/.test(size) ? Number(size) : linkedSize;

    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location !== null) {
      await response.body?.cancel();
      current = new URL(location, current);
      continue;
    }
    const head = response.ok ? await readFirstBytes(response, HEAD_BYTES) : Buffer.alloc(0);
    return { finalUrl: current.toString(), sameOrigin: onStartOrigin, response, head, linkedEtag, linkedSize };
  }
  throw new Error(`more than ${MAX_HOPS} redirects from ${start.origin}${start.pathname}`);
}

/** Reads up to `count` bytes and cancels the rest, for servers that ignore `Range` and send everything. */
async function readFirstBytes(response: Response, count: number): Promise<Buffer> {
  const reader = response.body?.getReader();
  if (reader === undefined) {
    return Buffer.alloc(0);
  }
  const chunks: Buffer[] = [];
  let length = 0;
  while (length < count) {
    const { done, value } = await reader.read();
    if (done) {
      break;
    }
    chunks.push(Buffer.from(value));
    length += value.length;
  }
  await reader.cancel();
  return Buffer.concat(chunks).subarray(0, count);
}

/** Total size from `Content-Range: bytes a-b/total`, or `Content-Length` of a full 200. */
export function sizeFromResponse(response: Response): number | null {
  const range = /\/(\d+)\s*$/.exec(response.headers.get("content-range") ?? "");
  if (range !== null) {
    return Number(range[1]);
  }
  const length = response.headers.get("content-length");
  const encoding = response.headers.get("content-encoding");
  return response.status === 200 && length !== null && (encoding === null || encoding === "identity") ? Number(length) : null;
}
