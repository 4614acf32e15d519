import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";

import { GALLERY_PROXY_PREFIX } from "@comfycarry/shared";
import { FileStore } from "@tus/file-store";
import { Server } from "@tus/server";

import type { Logger } from "../log/logger.js";
import type { RouteHandler } from "./http/respond.js";
import { UploadRejected, checkUploadedContent, commitUpload, targetPath, uploadTarget } from "./upload-target.js";

/** Path of the tus endpoint; an upload's URL is this path plus its id. */
export const UPLOADS_PATH = `${GALLERY_PROXY_PREFIX}/uploads`;

/** Largest upload accepted, in bytes: the biggest single-file checkpoints are about 25 GB. */
const MAX_UPLOAD_BYTES = 64 * 1024 ** 3;

/** How long an unfinished upload can wait to be resumed before its bytes are deleted, in milliseconds. */
const UNFINISHED_TTL_MS = 24 * 60 * 60_000;

export interface UploadServiceOptions {
  /** Where partial uploads are kept until they finish. */
  stagingDir: string;
  inputDir: string;
  modelsDir: string;
  log: Logger;
  /** Origin of the dashboard, the only one whose scripts may call the endpoint; null allows none. */
  dashboardOrigin: string | null;
  /** Called after a file entered a folder, so listings refresh. */
  onStored?: (target: "input" | "model", path: string) => void;
}

/**
 * Resumable uploads by the tus protocol (@tus/server, file store). The metadata names
 * the target; it is checked when the upload is created and again, with the content's
 * magic bytes, when the last byte arrives. Only a file that passes moves into the input
 * or model folder; a rejected one is deleted.
 */
export async function createUploadService(options: UploadServiceOptions): Promise<{ handle: RouteHandler; server: Server }> {
  await mkdir(options.stagingDir, { recursive: true });
  const store = new FileStore({ directory: options.stagingDir, expirationPeriodInMilliseconds: UNFINISHED_TTL_MS });
  const dirs = { inputDir: options.inputDir, modelsDir: options.modelsDir };
  const reject = (error: unknown) =>
    error instanceof UploadRejected ? { status_code: error.status, body: `${error.message}\n` } : { status_code: 500, body: "the upload could not be stored; see the reporter log\n" };

  const server = new Server({
    path: UPLOADS_PATH,
    datastore: store,
    maxSize: MAX_UPLOAD_BYTES,
    // The proxy serves this on a tunnel host the reporter does not know, so clients get a path.
    relativeLocation: true,
    // @tus/server answers any origin unless told otherwise; only the dashboard may upload from a script.
    allowedOrigins: (origin) => options.dashboardOrigin !== null && origin === options.dashboardOrigin,
    allowedCredentials: true,
    async onUploadCreate(_req, upload) {
      try {
        const target = uploadTarget(upload.metadata ?? {});
        options.log.info({ uploadId: upload.id, target: target.kind, name: target.name, size: upload.size ?? null }, "upload created");
        return {};
      } catch (error) {
        throw reject(error);
      }
    },
    async onUploadFinish(_req, upload) {
      const staged = join(options.stagingDir, upload.id);
      try {
        const target = uploadTarget(upload.metadata ?? {});
        await checkUploadedContent(target, staged);
        const finalPath = targetPath(target, dirs);
        await mkdir(dirname(finalPath), { recursive: true });
        await commitUpload(staged, finalPath);
        await store.remove(upload.id);
        options.log.info({ uploadId: upload.id, path: finalPath, size: upload.size ?? null }, "upload stored");
        options.onStored?.(target.kind, finalPath);
        return {};
      } catch (error) {
        await store.remove(upload.id).catch(() => undefined);
        options.log.warn({ err: error, uploadId: upload.id }, "upload rejected; its bytes were deleted");
        throw reject(error);
      }
    },
  });
  await store.deleteExpired().catch((error: unknown) => options.log.warn({ err: error }, "expired uploads could not be cleaned up"));

  return { handle: (req, res) => server.handle(req, res), server };
}
