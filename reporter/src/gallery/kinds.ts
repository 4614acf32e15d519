import { extname } from "node:path";

import type { GalleryKind } from "@comfycarry/shared";

const IMAGE_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".gif": "image/gif",
  ".avif": "image/avif",
  ".bmp": "image/bmp",
  ".tif": "image/tiff",
  ".tiff": "image/tiff",
};

const VIDEO_TYPES: Record<string, string> = {
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".mov": "video/quicktime",
  ".mkv": "video/x-matroska",
  ".avi": "video/x-msvideo",
};

/** Returns the gallery kind of a file from its extension. */
export function kindOf(name: string): GalleryKind {
  const extension = extname(name).toLowerCase();
  if (Object.hasOwn(IMAGE_TYPES, extension)) {
    return "image";
  }
  return Object.hasOwn(VIDEO_TYPES, extension) ? "video" : "other";
}

/** Returns the media type served for a file; unknown extensions are served as bytes to download. */
export function mimeOf(name: string): string {
  const extension = extname(name).toLowerCase();
  return IMAGE_TYPES[extension] ?? VIDEO_TYPES[extension] ?? "application/octet-stream";
}
