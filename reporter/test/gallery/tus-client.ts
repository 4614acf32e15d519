import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";

import { Upload } from "tus-js-client";

/** Chunk size of test uploads: small enough that a 40 % cut lands between chunks of a small file. */
const CHUNK = 4 * 1024 * 1024;

/**
 * Writes a sparse safetensors-shaped file: a real header, then mostly holes with a
 * random block every 16 MiB, so a 1 GB file costs little disk and time to make.
 */
export async function makeModelFile(path: string, size: number): Promise<string> {
  const header = Buffer.from(JSON.stringify({ __metadata__: { format: "pt" } }).padEnd(64, " "));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(header.length));
  const handle = await open(path, "w");
  try {
    await handle.write(Buffer.concat([length, header]), 0, 8 + header.length, 0);
    for (let offset = 1024 * 1024; offset < size; offset += 16 * 1024 * 1024) {
      const block = createHash("sha256").update(String(offset)).digest();
      await handle.write(Buffer.concat(Array.from({ length: 128 }, () => block)), 0, 4096, offset);
    }
    await handle.truncate(size);
  } finally {
    await handle.close();
  }
  return sha256Of(path);
}

export async function sha256Of(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}

export interface UploadOutcome {
  url: string | null;
  error: Error | null;
}

/**
 * Uploads `path` with tus-js-client. `stopAt` aborts once that many bytes were confirmed,
 * keeping the upload on the server; `sentFrom` is the offset of the first chunk sent.
 */
export function tusUpload(
  endpoint: string,
  path: string,
  metadata: Record<string, string>,
  options: { uploadUrl?: string; stopAt?: number; headers?: Record<string, string> } = {},
): Promise<UploadOutcome & { sentFrom: number }> {
  return new Promise((resolve) => {
    let sentFrom = -1;
    const task: Upload = new Upload(createReadStream(path), {
      endpoint,
      ...(options.headers === undefined ? {} : { headers: options.headers }),
      ...(options.uploadUrl === undefined ? {} : { uploadUrl: options.uploadUrl }),
      chunkSize: CHUNK,
      metadata,
      retryDelays: [],
      storeFingerprintForResuming: false,
      onChunkComplete: (chunkSize, accepted) => {
        sentFrom = sentFrom === -1 ? accepted - chunkSize : sentFrom;
        if (options.stopAt !== undefined && accepted >= options.stopAt) {
          task.abort(false).then(
            () => resolve({ url: task.url, error: null, sentFrom }),
            (error: unknown) => resolve({ url: task.url, error: error as Error, sentFrom }),
          );
        }
      },
      onSuccess: () => resolve({ url: task.url, error: null, sentFrom }),
      onError: (error) => resolve({ url: task.url, error, sentFrom }),
    });
    task.start();
  });
}

