import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

import { GALLERY_THUMBNAIL_SIZE } from "@comfycarry/shared";
import type { GalleryKind } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import { Semaphore } from "./semaphore.js";
import { loadSharp } from "./sharp.js";

const run = promisify(execFile);

/** Largest image sharp decodes for a thumbnail, in pixels (about 16k × 16k). */
const MAX_INPUT_PIXELS = 268_402_689;

/** Time ffmpeg gets to pull one poster frame, in milliseconds. */
const POSTER_TIMEOUT_MS = 30_000;

export interface ThumbnailSource {
  /** Stable name of the file, e.g. `output:sub/a.png`, part of the cache key. */
  key: string;
  real: string;
  kind: GalleryKind;
  size: number;
  modifiedMs: number;
}

export interface ThumbnailerOptions {
  cacheDir: string;
  log: Logger;
  /** ffmpeg binary for video poster frames; null when it is not installed. */
  ffmpeg: string | null;
}

/**
 * Makes WebP thumbnails and caches them on disk, keyed by file, size and modification
 * time, so each is generated once and a changed file gets a new one. Two generations
 * run at a time; requests for a thumbnail being made wait for that one.
 */
export class Thumbnailer {
  readonly #options: ThumbnailerOptions;
  readonly #inFlight = new Map<string, Promise<Buffer | null>>();
  readonly #limit = new Semaphore(2);
  /** Thumbnails generated since start, as opposed to read from the cache. */
  generated = 0;

  constructor(options: ThumbnailerOptions) {
    this.#options = options;
  }

  /** Returns the WebP bytes, or null for a file that has no picture (or one that failed to decode). */
  async thumbnail(source: ThumbnailSource): Promise<Buffer | null> {
    if (source.kind === "other" || (source.kind === "video" && this.#options.ffmpeg === null)) {
      return null;
    }
    const name = createHash("sha256").update(`${source.key}\0${source.size}\0${source.modifiedMs}`).digest("hex");
    const cached = join(this.#options.cacheDir, name.slice(0, 2), `${name}.webp`);
    const hit = await readFile(cached).catch(() => null);
    if (hit !== null) {
      return hit;
    }

    const pending = this.#inFlight.get(name);
    if (pending !== undefined) {
      return pending;
    }
    const work = this.#limit.run(() => this.#generate(source, cached)).finally(() => this.#inFlight.delete(name));
    this.#inFlight.set(name, work);
    return work;
  }

  async #generate(source: ThumbnailSource, cached: string): Promise<Buffer | null> {
    let webp: Buffer;
    try {
      const input = source.kind === "video" ? await this.#posterFrame(source.real) : source.real;
      const sharp = await loadSharp();
      webp = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, animated: false })
        .rotate()
        .resize(GALLERY_THUMBNAIL_SIZE, GALLERY_THUMBNAIL_SIZE, { fit: "inside", withoutEnlargement: true })
        .webp({ quality: 70 })
        .toBuffer();
    } catch (error) {
      this.#options.log.warn({ err: error, file: source.key }, "thumbnail could not be made; the gallery shows a placeholder");
      return null;
    }

    this.generated += 1;
    await mkdir(join(cached, ".."), { recursive: true });
    const temporary = `${cached}.${process.pid}.tmp`;
    await writeFile(temporary, webp);
    await rename(temporary, cached);
    return webp;
  }

  /** Extracts the first frame of a video as PNG bytes through ffmpeg. */
  async #posterFrame(path: string): Promise<Buffer> {
    const ffmpeg = this.#options.ffmpeg;
    if (ffmpeg === null) {
      throw new Error("ffmpeg is not installed");
    }
    const { stdout } = await run(ffmpeg, ["-v", "error", "-nostdin", "-i", path, "-frames:v", "1", "-f", "image2pipe", "-vcodec", "png", "-"], {
      encoding: "buffer",
      timeout: POSTER_TIMEOUT_MS,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  }
}
