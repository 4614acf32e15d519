import { GALLERY_READ_CHUNK_BYTES, GALLERY_RELAY_MAX_BYTES } from "@comfycarry/shared";

import { sendCommand } from "../../composables/instanceCommand";

import type { CommandFailure } from "../../composables/instanceCommand";
import type { GalleryRoot } from "@comfycarry/shared";

/** Decodes base64 into bytes without building a binary string longer than one chunk. */
function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let index = 0; index < binary.length; index += 1) {
    bytes[index] = binary.charCodeAt(index);
  }
  return bytes;
}

/**
 * Fetches a whole file through the edge in `gallery.read` chunks and returns it as a Blob.
 * Files over GALLERY_RELAY_MAX_BYTES are refused by the reporter with `payload_too_large`.
 */
export async function readThroughRelay(instanceId: string, root: GalleryRoot, path: string, signal?: AbortSignal): Promise<{ ok: true; blob: Blob } | { ok: false; error: CommandFailure }> {
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let offset = 0;
  let total = GALLERY_RELAY_MAX_BYTES;
  let mime = "application/octet-stream";
  do {
    const chunk = await sendCommand(instanceId, "gallery.read", { root, path, offset, length: GALLERY_READ_CHUNK_BYTES }, { signal });
    if (!chunk.ok) {
      return { ok: false, error: chunk.error };
    }
    const bytes = decodeBase64(chunk.data.data_base64);
    parts.push(bytes);
    total = chunk.data.total_bytes;
    mime = chunk.data.mime;
    offset += bytes.length;
    if (bytes.length === 0) {
      break;
    }
  } while (offset < total);
  return { ok: true, blob: new Blob(parts, { type: mime }) };
}
