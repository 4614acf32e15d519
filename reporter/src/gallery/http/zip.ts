import type { IncomingMessage, ServerResponse } from "node:http";

import { ComfyCarryError, GALLERY_MAX_SELECTION, galleryPathSchema, galleryRootSchema, parseValue } from "@comfycarry/shared";
import type { GalleryRoot } from "@comfycarry/shared";
import { create as contentDisposition } from "content-disposition";

import type { Logger } from "../../log/logger.js";
import type { Gallery } from "../gallery.js";
import type { ConfinedFile } from "../paths.js";
import { readSmallBody } from "./respond.js";

/** Largest zip request body: a form with up to GALLERY_MAX_SELECTION paths. */
const MAX_FORM_BYTES = 1024 * 1024;

let archiverLoading: Promise<typeof import("archiver")> | null = null;

/**
 * Loads archiver at the first zip request. Loaded at startup, it and its stream dependencies
 * added about 0.6 MB of heap to an idle reporter (Node 22.23, three runs each).
 */
function loadArchiver(): Promise<typeof import("archiver")> {
  archiverLoading ??= import("archiver");
  return archiverLoading;
}

/** Reads a stored `selection` id, or `root` and repeated `path` fields from the query string (GET) or a form body (POST). */
async function zipSelection(gallery: Gallery, req: IncomingMessage, params: URLSearchParams): Promise<{ root: GalleryRoot; paths: string[] }> {
  const selectionId = params.get("selection");
  if (selectionId !== null) {
    const stored = gallery.selections.get(selectionId);
    if (stored === null) {
      throw new ComfyCarryError("not_found", "this download link expired or is unknown; select the files again and download them within ten minutes");
    }
    return stored;
  }
  const fields = req.method === "POST" ? new URLSearchParams(await readSmallBody(req, MAX_FORM_BYTES)) : params;
  const root = parseValue(galleryRootSchema, fields.get("root"));
  if (!root.ok) {
    throw new ComfyCarryError("invalid_arguments", `root: ${root.issues}; send root=output or root=input`);
  }
  const paths = [...new Set(fields.getAll("path"))];
  if (paths.length === 0 || paths.length > GALLERY_MAX_SELECTION) {
    throw new ComfyCarryError("invalid_arguments", `a zip needs 1 to ${GALLERY_MAX_SELECTION} path fields; got ${paths.length}`);
  }
  for (const path of paths) {
    const parsed = parseValue(galleryPathSchema, path);
    if (!parsed.ok) {
      throw new ComfyCarryError("invalid_arguments", `path "${path.slice(0, 200)}": ${parsed.issues}`);
    }
  }
  return { root: root.value, paths };
}

/**
 * Streams the selected files as one zip. Every path is checked before the first byte
 * goes out, so a bad path gets a plain error instead of a cut-off archive. Entries are
 * stored without compression (generated images and videos are compressed already), and
 * archiver opens each file only when its turn comes, so memory stays flat however many
 * files are selected.
 */
export async function serveZip(gallery: Gallery, req: IncomingMessage, res: ServerResponse, params: URLSearchParams, log: Logger): Promise<void> {
  const selection = await zipSelection(gallery, req, params);
  const files: ConfinedFile[] = [];
  for (const path of selection.paths) {
    files.push(await gallery.resolve(selection.root, path));
  }
  const { ZipArchive } = await loadArchiver();

  const stamp = new Date().toISOString().slice(0, 19).replaceAll(":", "-");
  res.writeHead(200, {
    "content-type": "application/zip",
    "content-disposition": contentDisposition(`comfyui-${selection.root}-${stamp}.zip`),
    "cache-control": "no-store",
  });

  const archive = new ZipArchive({ store: true });
  archive.pipe(res);
  for (const file of files) {
    archive.file(file.real, { name: file.relative, date: new Date(file.modifiedMs) });
  }
  const sent = await new Promise<boolean>((resolve, reject) => {
    // A file that vanishes mid-stream fails the archive; the response is cut off then.
    archive.on("error", reject);
    res.on("close", () => {
      if (!res.writableFinished) {
        // The browser went away, so stop reading files for a download no client receives.
        archive.abort();
        resolve(false);
      }
    });
    archive.finalize().then(() => resolve(true), reject);
  });
  if (!sent) {
    log.info({ root: selection.root, files: files.length }, "zip download canceled by the client");
    return;
  }
  log.info({ root: selection.root, files: files.length, bytes: archive.pointer() }, "zip download sent");
}
