import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import sharp from "sharp";

import { startGallery } from "../../src/gallery/feature.js";
import type { GalleryFeature } from "../../src/gallery/feature.js";
import type { GallerySyncSource } from "../../src/gallery/sync-source.js";
import { createRootLogger } from "../../src/log/logger.js";

/** The dashboard origin test galleries allow for cross-origin uploads. */
export const DASHBOARD_ORIGIN = "https://dash.example.com";

export const testLogger = createRootLogger({ level: process.env.COMFYCARRY_TEST_LOG ?? "silent" });

/** A temp workspace with `ComfyUI/{output,input,models}`, `state` and `outside` (where nothing may be read or written). */
export interface GalleryDirs {
  root: string;
  comfyui: string;
  output: string;
  input: string;
  models: string;
  state: string;
  outside: string;
  cleanup: () => Promise<void>;
}

export async function makeGalleryDirs(): Promise<GalleryDirs> {
  const root = await mkdtemp(join(tmpdir(), "cc-gallery-"));
  const comfyui = join(root, "ComfyUI");
  const dirs = {
    root,
    comfyui,
    output: join(comfyui, "output"),
    input: join(comfyui, "input"),
    models: join(comfyui, "models"),
    state: join(root, "state"),
    outside: join(root, "outside"),
  };
  for (const dir of [dirs.output, dirs.input, dirs.models, dirs.outside]) {
    await mkdir(dir, { recursive: true });
  }
  return { ...dirs, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Writes a file and its folders. */
export async function writeAt(path: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
}

/** Encodes a small real PNG whose colour follows `seed`. */
export function pngBytes(seed: number, size = 48): Promise<Buffer> {
  return sharp({ create: { width: size, height: size, channels: 3, background: { r: seed % 256, g: (seed * 7) % 256, b: (seed * 13) % 256 } } })
    .png()
    .toBuffer();
}

export function startTestGallery(dirs: GalleryDirs, sync: GallerySyncSource | null = null): Promise<GalleryFeature> {
  return startGallery({ comfyuiDir: dirs.comfyui, stateDir: dirs.state, log: testLogger, sync, dashboardOrigin: DASHBOARD_ORIGIN });
}

/** Serves the gallery's routes on 127.0.0.1 at a port chosen by the system. */
export async function serveRoutes(feature: GalleryFeature): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    feature.routes(req, res).catch((error: unknown) => {
      testLogger.error({ err: error }, "route failed in test server");
      res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
