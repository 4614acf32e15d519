import { open, rm } from "node:fs/promises";
import { join } from "node:path";

import { ComfyCarryError, GALLERY_RELAY_MAX_BYTES, toUtcTimestamp } from "@comfycarry/shared";
import type { CommandArgs, CommandResultData, GalleryRoot } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import { kindOf, mimeOf } from "./kinds.js";
import { filterListing, walkGallery } from "./listing.js";
import type { ListedFile } from "./listing.js";
import { readMetadata } from "./metadata.js";
import { confineFile, openGalleryDir } from "./paths.js";
import type { ConfinedFile, GalleryDir } from "./paths.js";
import { SelectionStore } from "./selections.js";
import { syncStateOf } from "./sync-source.js";
import type { GallerySyncSource } from "./sync-source.js";
import { Thumbnailer } from "./thumbnails.js";

export interface GalleryOptions {
  /** ComfyUI's output folder. */
  outputDir: string;
  /** ComfyUI's input folder. */
  inputDir: string;
  /** Thumbnail cache folder. */
  cacheDir: string;
  log: Logger;
  sync: GallerySyncSource | null;
  ffmpeg: string | null;
}

/** How long a folder walk is reused for paging before the folder is walked again, in milliseconds. */
const LISTING_TTL_MS = 3_000;

const DEFAULT_PAGE = 60;

/** ComfyUI's output and input folders as a gallery: listing, thumbnails, metadata and file access. */
export class Gallery {
  readonly dirs: Record<GalleryRoot, GalleryDir>;
  readonly thumbnails: Thumbnailer;
  readonly selections = new SelectionStore();
  readonly #options: GalleryOptions;
  readonly #listings = new Map<GalleryRoot, { files: Promise<ListedFile[]>; at: number }>();

  private constructor(options: GalleryOptions, dirs: Record<GalleryRoot, GalleryDir>) {
    this.#options = options;
    this.dirs = dirs;
    this.thumbnails = new Thumbnailer({ cacheDir: options.cacheDir, log: options.log, ffmpeg: options.ffmpeg });
  }

  static async open(options: GalleryOptions): Promise<Gallery> {
    const dirs = { output: await openGalleryDir(options.outputDir), input: await openGalleryDir(options.inputDir) };
    return new Gallery(options, dirs);
  }

  /** Resolves a dashboard path inside a root; throws `invalid_arguments` or `not_found`. */
  resolve(root: GalleryRoot, path: string): Promise<ConfinedFile> {
    return confineFile(this.dirs[root], path);
  }

  /** Drops the cached walk of a root after the gallery changed it. */
  invalidate(root: GalleryRoot): void {
    this.#listings.delete(root);
  }

  async list(args: CommandArgs<"gallery.list">): Promise<CommandResultData<"gallery.list">> {
    const all = await this.#walk(args.root);
    const matching = filterListing(all, args.query, args.kind);
    const start = args.cursor === undefined ? 0 : Number(args.cursor);
    const limit = args.limit ?? DEFAULT_PAGE;
    const page = matching.slice(start, start + limit);
    const coverage = (await this.#options.sync?.coverage()) ?? null;
    const dir = this.dirs[args.root];

    return {
      items: page.map((file) => ({
        path: file.path,
        name: file.name,
        kind: file.kind,
        size: file.size,
        modified_at: toUtcTimestamp(new Date(file.modifiedMs)),
        sync: syncStateOf(coverage, join(dir.real, file.path), file.modifiedMs),
      })),
      total: matching.length,
      next_cursor: start + limit < matching.length ? String(start + limit) : null,
    };
  }

  async thumbnail(args: CommandArgs<"gallery.thumbnail">): Promise<CommandResultData<"gallery.thumbnail">> {
    const file = await this.resolve(args.root, args.path);
    const webp = await this.thumbnails.thumbnail({ key: `${args.root}:${args.path}`, real: file.real, kind: kindOf(file.real), size: file.size, modifiedMs: file.modifiedMs });
    return { path: args.path, mime: "image/webp", data_base64: webp === null ? null : webp.toString("base64") };
  }

  async metadata(args: CommandArgs<"gallery.metadata">): Promise<CommandResultData<"gallery.metadata">> {
    const file = await this.resolve(args.root, args.path);
    return readMetadata(file, kindOf(file.real));
  }

  /** Reads one chunk of a file for the edge relay; files over the relay limit need the access proxy. */
  async read(args: CommandArgs<"gallery.read">): Promise<CommandResultData<"gallery.read">> {
    const file = await this.resolve(args.root, args.path);
    if (file.size > GALLERY_RELAY_MAX_BYTES) {
      throw new ComfyCarryError(
        "payload_too_large",
        `${args.path} is ${file.size} bytes, over the ${GALLERY_RELAY_MAX_BYTES}-byte limit for opening files through the edge; set up a tunnel to open it`,
        { path: args.path, size: file.size, limit_bytes: GALLERY_RELAY_MAX_BYTES, needs: "tunnel" },
      );
    }
    const handle = await open(file.real, "r");
    try {
      const length = Math.max(0, Math.min(args.length, file.size - args.offset));
      const buffer = Buffer.alloc(length);
      const { bytesRead } = await handle.read(buffer, 0, length, args.offset);
      return { path: args.path, mime: mimeOf(file.real), total_bytes: file.size, offset: args.offset, data_base64: buffer.subarray(0, bytesRead).toString("base64") };
    } finally {
      await handle.close();
    }
  }

  async delete(args: CommandArgs<"gallery.delete">): Promise<CommandResultData<"gallery.delete">> {
    const deleted: string[] = [];
    const failed: Array<{ path: string; message: string }> = [];
    for (const path of args.paths) {
      try {
        const file = await this.resolve(args.root, path);
        // The link itself goes, never the target: a symlink inside the folder is removed like a file.
        await rm(file.absolute);
        deleted.push(path);
      } catch (error) {
        failed.push({ path, message: (error instanceof Error ? error.message : String(error)).slice(0, 500) });
      }
    }
    this.invalidate(args.root);
    this.#options.log.info({ root: args.root, deleted: deleted.length, failed: failed.length }, "gallery files deleted");
    return { deleted, failed };
  }

  /** Stores a zip selection after checking every path, so a bad path is reported now instead of when the download starts. */
  async select(args: CommandArgs<"gallery.selection">): Promise<CommandResultData<"gallery.selection">> {
    for (const path of args.paths) {
      await this.resolve(args.root, path);
    }
    const { id, expiresAt } = this.selections.add(args.root, args.paths);
    return { id, expires_at: toUtcTimestamp(new Date(expiresAt)) };
  }

  /** Starts the push rules that cover the selection; files no rule covers are returned as `uncovered`. */
  async push(args: CommandArgs<"gallery.push">): Promise<CommandResultData<"gallery.push">> {
    const coverage = (await this.#options.sync?.coverage()) ?? null;
    if (coverage === null || this.#options.sync === null) {
      throw new ComfyCarryError("sync_failed", "cloud sync is not running, so nothing can be pushed; set up a remote on the Sync page", { reason: "engine_unavailable" });
    }
    const ruleIds = new Set<string>();
    const uncovered: string[] = [];
    for (const path of args.paths) {
      const file = await this.resolve(args.root, path);
      const rules = coverage.filter((rule) => syncStateOf([rule], file.real, 0) !== "not_covered");
      if (rules.length === 0) {
        uncovered.push(path);
      }
      rules.forEach((rule) => ruleIds.add(rule.ruleId));
    }
    this.#options.sync.run([...ruleIds]);
    this.#options.log.info({ root: args.root, rules: [...ruleIds], uncovered: uncovered.length }, "gallery push started");
    return { rule_ids: [...ruleIds], uncovered };
  }

  #walk(root: GalleryRoot): Promise<ListedFile[]> {
    const cached = this.#listings.get(root);
    if (cached !== undefined && Date.now() - cached.at < LISTING_TTL_MS) {
      return cached.files;
    }
    const files = walkGallery(this.dirs[root].dir);
    this.#listings.set(root, { files, at: Date.now() });
    return files;
  }
}
