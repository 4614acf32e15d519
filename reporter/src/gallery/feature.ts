import { access, constants } from "node:fs/promises";
import { delimiter, join } from "node:path";

import { GALLERY_PROXY_PREFIX } from "@comfycarry/shared";

import { registerProxyRoute } from "../access-proxy/index.js";
import type { Logger } from "../log/logger.js";
import { Gallery } from "./gallery.js";
import { createGalleryHandlers } from "./handlers.js";
import type { GalleryHandlers } from "./handlers.js";
import { createGalleryRoutes } from "./http/router.js";
import type { RouteHandler } from "./http/respond.js";
import type { GallerySyncSource } from "./sync-source.js";
import { createUploadService } from "./uploads.js";

export interface GalleryFeatureOptions {
  comfyuiDir: string;
  stateDir: string;
  log: Logger;
  sync: GallerySyncSource | null;
  /** Origin of the dashboard, allowed to upload from its pages; null allows no cross-origin uploads. */
  dashboardOrigin?: string | null;
}

/** The running gallery: command handlers for the edge and HTTP routes for the access proxy. */
export interface GalleryFeature {
  gallery: Gallery;
  handlers: GalleryHandlers;
  /** Serves every path under GALLERY_PROXY_PREFIX. */
  routes: RouteHandler;
}

/** Returns the first `ffmpeg` on PATH, or null, so videos get poster frames only where it is installed. */
export async function findFfmpeg(path = process.env.PATH ?? ""): Promise<string | null> {
  for (const dir of path.split(delimiter).filter((entry) => entry !== "")) {
    const candidate = join(dir, "ffmpeg");
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) {
      return candidate;
    }
  }
  return null;
}

/** Opens ComfyUI's output and input folders and the upload staging area below the state directory. */
export async function startGallery(options: GalleryFeatureOptions): Promise<GalleryFeature> {
  const log = options.log.child({ feature: "gallery" });
  const ffmpeg = await findFfmpeg();
  const gallery = await Gallery.open({
    // NOTE: a ComfyUI started with --output-directory or --input-directory writes elsewhere; those flags are not read yet.
    outputDir: join(options.comfyuiDir, "output"),
    inputDir: join(options.comfyuiDir, "input"),
    cacheDir: join(options.stateDir, "gallery", "thumbnails"),
    log,
    sync: options.sync,
    ffmpeg,
  });
  const uploads = await createUploadService({
    stagingDir: join(options.stateDir, "gallery", "uploads"),
    inputDir: gallery.dirs.input.dir,
    modelsDir: join(options.comfyuiDir, "models"),
    log,
    dashboardOrigin: options.dashboardOrigin ?? null,
    onStored: (target) => {
      if (target === "input") {
        gallery.invalidate("input");
      }
    },
  });
  log.info({ output: gallery.dirs.output.dir, input: gallery.dirs.input.dir, ffmpeg }, "gallery started");
  return { gallery, handlers: createGalleryHandlers(gallery), routes: createGalleryRoutes(gallery, uploads.handle, log) };
}

/** Starts the gallery; a failure leaves the reporter running without it and is logged. */
export async function startGalleryOrNull(options: GalleryFeatureOptions): Promise<GalleryFeature | null> {
  try {
    return await startGallery(options);
  } catch (error) {
    options.log.error({ err: error }, "the gallery could not start; the Gallery page is unavailable");
    return null;
  }
}

/** Mounts the gallery's routes in the access proxy and returns the function that removes them. */
export function mountGalleryRoutes(feature: GalleryFeature | null, log: Logger): () => void {
  if (feature === null) {
    return () => undefined;
  }
  try {
    return registerProxyRoute(`${GALLERY_PROXY_PREFIX}/`, feature.routes);
  } catch (error) {
    // Only one reporter per process can own the prefix; a second one (in tests) serves commands only.
    log.warn({ err: error }, "gallery downloads and uploads are not mounted in the access proxy");
    return () => undefined;
  }
}
