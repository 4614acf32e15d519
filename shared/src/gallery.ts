import { z } from "zod";

import type { CommandSpec } from "./commands.js";
import { utcTimestampSchema } from "./time.js";

// Commands of the Gallery page: ComfyUI's output and input folders. Lists, thumbnails and
// generation data travel through the edge as command results. Full-size files, zips and
// uploads use the reporter's HTTP routes behind the access proxy. Without a tunnel, single
// files up to GALLERY_RELAY_MAX_BYTES come through the edge in `gallery.read` chunks.

/** Largest file `gallery.read` serves through the edge relay; larger files need a tunnel. */
export const GALLERY_RELAY_MAX_BYTES = 24 * 1024 * 1024;

/** Largest chunk one `gallery.read` returns, so its base64 result stays well under the 1 MiB frame limit. */
export const GALLERY_READ_CHUNK_BYTES = 512 * 1024;

/** Maximum width and height of a thumbnail, in pixels. */
export const GALLERY_THUMBNAIL_SIZE = 256;

/** Most paths one delete, push or zip request may name. */
export const GALLERY_MAX_SELECTION = 1000;

/** Mount point of the gallery's HTTP routes inside the access proxy. */
export const GALLERY_PROXY_PREFIX = "/__cc/gallery";

export const galleryRootSchema = z.enum(["output", "input"]);
export type GalleryRoot = z.infer<typeof galleryRootSchema>;

export const galleryKindSchema = z.enum(["image", "video", "other"]);
export type GalleryKind = z.infer<typeof galleryKindSchema>;

/**
 * A file path relative to the gallery root, with `/` between folders. The reporter rejects
 * `.` and `..` segments (also percent-encoded or written with look-alike Unicode dots),
 * absolute paths and symlinks that lead out of the root.
 */
export const galleryPathSchema = z
  .string()
  .min(1)
  .max(1024)
  .regex(/^[^\u0000-\u001f\\]+$/u, "a relative path without control characters or backslashes");

/**
 * Whether an item is on the sync remote. `synced`: an enabled push rule covers it and
 * succeeded after the file last changed. `pending`: a rule covers it but has not copied it
 * yet. `not_covered`: no push rule covers it. `unknown`: sync is not running.
 */
export const gallerySyncStateSchema = z.enum(["synced", "pending", "not_covered", "unknown"]);
export type GallerySyncState = z.infer<typeof gallerySyncStateSchema>;

export const galleryItemSchema = z.object({
  path: z.string(),
  name: z.string(),
  kind: galleryKindSchema,
  size: z.number().int().nonnegative(),
  modified_at: utcTimestampSchema,
  sync: gallerySyncStateSchema,
});
export type GalleryItem = z.infer<typeof galleryItemSchema>;

/** Generation parameters read from ComfyUI's `prompt` chunk; every field is null when absent. */
export const generationDataSchema = z.object({
  positive: z.string().nullable(),
  negative: z.string().nullable(),
  seed: z.number().nullable(),
  steps: z.number().nullable(),
  cfg: z.number().nullable(),
  sampler: z.string().nullable(),
  scheduler: z.string().nullable(),
  models: z.array(z.string()),
});
export type GenerationData = z.infer<typeof generationDataSchema>;

/** Largest `prompt` or `workflow` JSON text a metadata result carries, in characters. */
export const GALLERY_MAX_EMBEDDED_JSON_CHARS = 384 * 1024;

const pathArgs = z.strictObject({ root: galleryRootSchema, path: galleryPathSchema });
const selectionArgs = z.strictObject({ root: galleryRootSchema, paths: z.array(galleryPathSchema).min(1).max(GALLERY_MAX_SELECTION) });

export const galleryCommands = {
  /** One page of the folder, newest first; `cursor` is the `next_cursor` of the previous page. */
  "gallery.list": {
    args: z.strictObject({
      root: galleryRootSchema,
      query: z.string().max(200).optional(),
      kind: galleryKindSchema.optional(),
      cursor: z.string().regex(/^\d{1,7}$/, "the next_cursor of the previous page").optional(),
      limit: z.number().int().min(1).max(200).optional(),
    }),
    result: z.object({ items: z.array(galleryItemSchema), total: z.number().int().nonnegative(), next_cursor: z.string().nullable() }),
    scope: "read",
  },
  /** A WebP thumbnail (images) or poster frame (videos); null data when none can be made. */
  "gallery.thumbnail": {
    args: pathArgs,
    result: z.object({ path: z.string(), mime: z.literal("image/webp"), data_base64: z.string().max(512 * 1024).nullable() }),
    scope: "read",
  },
  /** Size, dimensions and the generation data ComfyUI embedded in the file. */
  "gallery.metadata": {
    args: pathArgs,
    result: z.object({
      path: z.string(),
      kind: galleryKindSchema,
      size: z.number().int().nonnegative(),
      width: z.number().int().nullable(),
      height: z.number().int().nullable(),
      generation: generationDataSchema.nullable(),
      prompt_json: z.string().max(GALLERY_MAX_EMBEDDED_JSON_CHARS).nullable(),
      workflow_json: z.string().max(GALLERY_MAX_EMBEDDED_JSON_CHARS).nullable(),
      /** True when the file embeds a prompt or workflow too large to carry; download the file to get it. */
      embedded_truncated: z.boolean(),
    }),
    scope: "read",
  },
  /** One chunk of a full-size file, for opening it without a tunnel. */
  "gallery.read": {
    args: z.strictObject({
      root: galleryRootSchema,
      path: galleryPathSchema,
      offset: z.number().int().nonnegative(),
      length: z.number().int().min(1).max(GALLERY_READ_CHUNK_BYTES),
    }),
    result: z.object({ path: z.string(), mime: z.string(), total_bytes: z.number().int().nonnegative(), offset: z.number().int().nonnegative(), data_base64: z.string() }),
    scope: "read",
  },
  "gallery.delete": {
    args: selectionArgs,
    result: z.object({ deleted: z.array(z.string()), failed: z.array(z.object({ path: z.string(), message: z.string().max(500) })) }),
    scope: "control",
  },
  /**
   * Stores a selection for a zip download and returns its id, so the browser opens the short
   * `zip?selection=<id>` URL on the access proxy instead of a URL naming every file.
   */
  "gallery.selection": {
    args: selectionArgs,
    result: z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/), expires_at: utcTimestampSchema }),
    scope: "read",
  },
  /** Starts the enabled push rules that cover the selected files. */
  "gallery.push": {
    args: selectionArgs,
    result: z.object({ rule_ids: z.array(z.string()), uncovered: z.array(z.string()) }),
    scope: "control",
  },
} as const satisfies Record<string, CommandSpec>;
