import { parse } from "content-disposition";

/** Extensions ComfyUI loads as model files; anything else is not written into a model folder. */
export const MODEL_EXTENSIONS = [".safetensors", ".sft", ".ckpt", ".pt", ".pt2", ".pth", ".bin", ".gguf", ".onnx", ".pkl"] as const;

/**
 * Returns the file name from a Content-Disposition header, `filename*` (RFC 8187) before
 * `filename`, or null when absent or unparsable. Hugging Face ends the header with a stray
 * `;`, which strict RFC 6266 parsers reject, so trailing semicolons are dropped first.
 */
export function fileNameFromDisposition(header: string | null): string | null {
  if (header === null || header.trim() === "") {
    return null;
  }
  const cleaned = header.trim().replace(/;+\s*$/, "");
  try {
    const { parameters } = parse(cleaned);
    return parameters.filename ?? null;
  } catch {
    return null;
  }
}

/**
 * Reduces a server- or user-supplied name to a safe base name with a model extension:
 * no directory parts, no control characters, no leading dots. Returns null when nothing
 * safe is left or the extension is not a model extension.
 */
export function safeModelFileName(raw: string): string | null {
  const base = raw.split(/[/\\]/).pop() ?? "";
  const cleaned = base
    .normalize("NFC")
    .replace(/[\u0000-\u001f\u007f]/g, "")
    .replace(/[<>:"|?*]/g, "_")
    .replace(/^[.\s]+/, "")
    .replace(/[.\s]+$/, "")
    .trim();
  if (cleaned === "" || Buffer.byteLength(cleaned) > 200) {
    return null;
  }
  const lower = cleaned.toLowerCase();
  return MODEL_EXTENSIONS.some((ext) => lower.endsWith(ext) && lower.length > ext.length) ? cleaned : null;
}

/** Returns the decoded last path segment of a URL; the query string is never used for names. */
export function fileNameFromUrlPath(url: string): string | null {
  const segment = new URL(url).pathname.split("/").pop() ?? "";
  try {
    return segment === "" ? null : decodeURIComponent(segment);
  } catch {
    return null;
  }
}
