import type { RawData } from "ws";

/** Decodes a text frame, which `ws` may hand over as one buffer or a list of fragments. */
export function rawText(data: RawData): string {
  if (Array.isArray(data)) {
    return Buffer.concat(data).toString("utf8");
  }
  if (data instanceof ArrayBuffer) {
    return Buffer.from(data).toString("utf8");
  }
  return data.toString("utf8");
}
