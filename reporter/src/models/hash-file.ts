import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";

/** Read size per chunk; large enough for throughput, small enough to keep the event loop responsive. */
const CHUNK_BYTES = 1024 * 1024;

/** Streams a file through SHA-256 and returns the lower-case hex digest; `signal` stops it between chunks. */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash("sha256");
  const stream = createReadStream(path, { highWaterMark: CHUNK_BYTES, ...(signal === undefined ? {} : { signal }) });
  for await (const chunk of stream) {
    hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}
