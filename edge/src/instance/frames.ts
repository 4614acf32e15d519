/** @module Turns a raw WebSocket message into text, enforcing MAX_MESSAGE_BYTES first. */
import { MAX_MESSAGE_BYTES } from "@comfycarry/shared";
import type { WireError } from "@comfycarry/shared";

import type { Checked } from "./command-validation.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function tooLarge(bytes: number): WireError {
  return {
    code: "payload_too_large",
    message: `frame of ${bytes} bytes is over the limit of ${MAX_MESSAGE_BYTES} bytes`,
    params: { bytes, max: MAX_MESSAGE_BYTES },
  };
}

/** Returns the UTF-8 byte length of `text`, encoding only when the length alone cannot decide. */
function byteLength(text: string): number {
  // A UTF-16 code unit takes one to three UTF-8 bytes.
  if (text.length > MAX_MESSAGE_BYTES || text.length * 3 <= MAX_MESSAGE_BYTES) {
    return text.length;
  }
  return encoder.encode(text).byteLength;
}

/** Returns the frame as text; binary frames are read as UTF-8 JSON too, since some clients send them. */
export function frameText(message: string | ArrayBuffer): Checked<string> {
  if (typeof message === "string") {
    const bytes = byteLength(message);
    return bytes > MAX_MESSAGE_BYTES ? { ok: false, error: tooLarge(bytes) } : { ok: true, value: message };
  }

  if (message.byteLength > MAX_MESSAGE_BYTES) {
    return { ok: false, error: tooLarge(message.byteLength) };
  }
  try {
    return { ok: true, value: decoder.decode(message) };
  } catch {
    return { ok: false, error: { code: "invalid_message", message: "binary frame is not valid UTF-8 text" } };
  }
}
