import { createReadStream } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { pipeline } from "node:stream/promises";

import { ComfyCarryError, galleryPathSchema, galleryRootSchema, parseValue } from "@comfycarry/shared";
import { create as contentDisposition } from "content-disposition";

import type { Gallery } from "../gallery.js";
import { mimeOf } from "../kinds.js";

/** Parses `root` and `path` from a query string with the shared schemas. */
export function fileQuery(params: URLSearchParams): { root: "output" | "input"; path: string } {
  const root = parseValue(galleryRootSchema, params.get("root"));
  const path = parseValue(galleryPathSchema, params.get("path"));
  if (!root.ok || !path.ok) {
    throw new ComfyCarryError("invalid_arguments", `query needs root=output|input and a path from the gallery list (${root.ok ? "" : `root: ${root.issues}`}${path.ok ? "" : ` path: ${path.issues}`})`);
  }
  return { root: root.value, path: path.value };
}

/** Parses a single `bytes=start-end` range; null for none, or for forms this route does not serve (several ranges). */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | null {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/u.exec(header.trim());
  if (match === null) {
    return null;
  }
  const [, first = "", last = ""] = match;
  if (first === "" && last === "") {
    return null;
  }
  const start = first === "" ? Math.max(0, size - Number(last)) : Number(first);
  const end = first === "" || last === "" ? size - 1 : Math.min(Number(last), size - 1);
  return start > end || start >= size ? "unsatisfiable" : { start, end };
}

/**
 * Serves one full-size file, streamed from disk, with single byte ranges so videos seek
 * and interrupted downloads continue. `download=1` asks the browser to save it.
 */
export async function serveFile(gallery: Gallery, req: IncomingMessage, res: ServerResponse, params: URLSearchParams): Promise<void> {
  const query = fileQuery(params);
  const file = await gallery.resolve(query.root, query.path);
  const name = query.path.split("/").pop() ?? "file";
  const headers: Record<string, string | number> = {
    "content-type": mimeOf(name),
    "accept-ranges": "bytes",
    "cache-control": "private, max-age=60",
    "x-content-type-options": "nosniff",
    // A file from the output folder is never run as a page, even an .html one.
    "content-security-policy": "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox",
    "content-disposition": contentDisposition(name, { type: params.get("download") === "1" ? "attachment" : "inline" }),
  };

  const range = parseRange(req.headers.range, file.size);
  if (range === "unsatisfiable") {
    res.writeHead(416, { "content-range": `bytes */${file.size}` });
    res.end();
    return;
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? file.size - 1;
  if (range !== null) {
    headers["content-range"] = `bytes ${start}-${end}/${file.size}`;
  }
  headers["content-length"] = file.size === 0 ? 0 : end - start + 1;
  res.writeHead(range === null ? 200 : 206, headers);
  if (req.method === "HEAD" || file.size === 0) {
    res.end();
    return;
  }
  await pipeline(createReadStream(file.real, { start, end }), res);
}
