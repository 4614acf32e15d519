import type { IncomingMessage, ServerResponse } from "node:http";

import { GALLERY_PROXY_PREFIX } from "@comfycarry/shared";

import type { Logger } from "../../log/logger.js";
import type { Gallery } from "../gallery.js";
import { UPLOADS_PATH } from "../uploads.js";
import { serveFile } from "./files.js";
import { serveUploadPage } from "./upload-page.js";
import type { RouteHandler } from "./respond.js";
import { sendError } from "./respond.js";
import { serveZip } from "./zip.js";

/**
 * Builds the handler of every gallery HTTP route under GALLERY_PROXY_PREFIX:
 * `GET file?root=&path=[&download=1]`, `GET zip?selection=<id>` (from `gallery.selection`),
 * `GET|POST zip` with root and repeated path fields, the tus endpoint `uploads` and the
 * upload page `upload` that runs tus-js-client on the proxy's origin. The access proxy authenticates callers before this
 * runs and passes the request URL unchanged.
 */
export function createGalleryRoutes(gallery: Gallery, uploads: RouteHandler, log: Logger): RouteHandler {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", "http://gallery.invalid");
    const method = req.method ?? "GET";
    try {
      if (url.pathname === UPLOADS_PATH || url.pathname.startsWith(`${UPLOADS_PATH}/`)) {
        await uploads(req, res);
      } else if (url.pathname === `${GALLERY_PROXY_PREFIX}/file` && (method === "GET" || method === "HEAD")) {
        await serveFile(gallery, req, res, url.searchParams);
      } else if (url.pathname === `${GALLERY_PROXY_PREFIX}/zip` && (method === "GET" || method === "POST")) {
        await serveZip(gallery, req, res, url.searchParams, log);
      } else if (method === "GET" && (await serveUploadPage(url.pathname, res))) {
        return;
      } else {
        res.writeHead(404, { "content-type": "application/json; charset=utf-8" });
        res.end(JSON.stringify({ error: { code: "not_found", message: `no gallery route ${method} ${url.pathname}` } }));
      }
    } catch (error) {
      if (!(error instanceof Error && error.name.startsWith("ComfyCarryError"))) {
        log.error({ err: error, path: url.pathname }, "gallery route failed");
      }
      sendError(res, error);
    }
  };
}
