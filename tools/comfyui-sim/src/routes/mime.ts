/** Content types by extension, as Python's `mimetypes.guess_type` gives them on Linux. */
import path from "node:path";

const TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".gif": "image/gif",
  ".bmp": "image/bmp",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
  ".svg": "image/svg+xml",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".mov": "video/quicktime",
  ".mkv": "video/x-matroska",
  ".wav": "audio/x-wav",
  ".mp3": "audio/mpeg",
  ".flac": "audio/flac",
  ".ogg": "audio/ogg",
  ".json": "application/json",
  ".txt": "text/plain",
  ".html": "text/html",
  ".htm": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".xhtml": "application/xhtml+xml",
  ".glb": "model/gltf-binary",
  ".gltf": "model/gltf+json",
};

// Types ComfyUI's /view forces to a download so a browser never renders them.
const FORCED_DOWNLOAD = new Set(["text/html", "text/html-sandboxed", "application/xhtml+xml", "text/javascript", "text/css"]);

export function guessContentType(fileName: string): string {
  const type = TYPES[path.extname(fileName).toLowerCase()] ?? "application/octet-stream";
  return FORCED_DOWNLOAD.has(type) ? "application/octet-stream" : type;
}
