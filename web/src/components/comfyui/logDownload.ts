import { sendCommand } from "../../composables/instanceCommand";

import type { CommandFailure } from "../../composables/instanceCommand";

/** Bytes asked per `comfyui.logs.download` call. */
export const DOWNLOAD_CHUNK = 256 * 1024;

/**
 * Reads the whole log (rotated files first) chunk by chunk until the reporter returns `eof`,
 * and returns it as one text file. `progress` gets bytes read and the total.
 */
export async function fetchWholeLog(instanceId: string, progress: (done: number, size: number) => void): Promise<{ ok: true; blob: Blob } | { ok: false; error: CommandFailure }> {
  const parts: string[] = [];
  let offset = 0;
  for (;;) {
    const result = await sendCommand(instanceId, "comfyui.logs.download", { offset, length: DOWNLOAD_CHUNK });
    if (!result.ok) {
      return result;
    }
    parts.push(result.data.text);
    progress(result.data.next_offset, result.data.size);
    // A chunk that moved nothing would loop for ever; the reporter only does that at the end.
    if (result.data.eof || result.data.next_offset <= offset) {
      break;
    }
    offset = result.data.next_offset;
  }
  return { ok: true, blob: new Blob(parts, { type: "text/plain;charset=utf-8" }) };
}

/** Saves a blob under `name` through a temporary download link. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
