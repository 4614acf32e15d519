import { mkdir, readdir } from "node:fs/promises";
import { dirname, join } from "node:path";

import { GALLERY_PROXY_PREFIX } from "@comfycarry/shared";
import type { FileStore } from "@tus/file-store";
import type { Server } from "@tus/server";

import type { Logger } from "../log/logger.js";
import type { RouteHandler } from "./http/respond.js";
import { UploadRejected, checkTargetFree, checkUploadedContent, commitUpload, targetPath, uploadTarget } from "./upload-target.js";

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
 *
 * @tus/server is loaded with the first upload request, or at start when unfinished uploads
 * wait in the staging folder. It pulls in Node's http2 module and undici, and a bare Node 22
 * process grows by about 17 MB of resident memory when it loads it.
 */
export async function createUploadService(options: UploadServiceOptions): Promise<{ handle: RouteHandler }> {
  await mkdir(options.stagingDir, { recursive: true });
  let loading: Promise<Server> | null = null;
  const server = (): Promise<Server> => {
    // A failed load is tried again by the next request instead of failing every later one.
    loading ??= loadServer(options).catch((error: unknown) => {
      loading = null;
      throw error;
    });
    return loading;
  };

  if ((await readdir(options.stagingDir)).length > 0) {
    await server();
  }

  return {
    handle: async (req, res) => {
      await (await server()).handle(req, res);
    },
  };
}

async function loadServer(options: UploadServiceOptions): Promise<Server> {
  const [{ FileStore }, { Server }] = await Promise.all([import("@tus/file-store"), import("@tus/server")]);
  const store: FileStore = new FileStore({ directory: options.stagingDir, expirationPeriodInMilliseconds: UNFINISHED_TTL_MS });
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
        await checkTargetFree(target, dirs);
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
  return server;
}
