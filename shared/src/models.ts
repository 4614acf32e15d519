import { z } from "zod";

import type { CommandSpec } from "./commands.js";

// Commands of the Models page: the download queue (reporter/src/downloads/), the local model
// library (reporter/src/models/), CivitAI search and Hugging Face browsing.

const nonNegativeInt = z.number().int().nonnegative();

/**
 * Failure reason of a download job, a rejected request or a failed CivitAI / Hugging Face
 * call. The dashboard shows each through `models.failure.<code>`; `params` carries the
 * values the message needs (host, repo page, free bytes).
 */
export const downloadFailureCodeSchema = z.enum([
  "token_required", // The host returned a sign-in page, 401 or 403, so the token is missing or invalid.
  "hf_token_missing", // Gated Hugging Face repo and no token.
  "hf_terms_not_accepted", // Gated repo whose terms the token's user has not accepted.
  "hf_token_gated_disabled", // Fine-grained token without access to gated repos.
  "early_access", // CivitAI early-access version not bought.
  "not_found", // The host has no such model, version or file.
  "gone", // The model was archived or taken down.
  "rate_limited", // The host refused for volume; retry later.
  "http_error", // Any other HTTP failure while resolving the link.
  "content_invalid", // The bytes are not a model file of the expected format.
  "size_mismatch", // Downloaded size differs from the published size.
  "hash_mismatch", // SHA-256 differs from the published hash.
  "insufficient_space", // Free space on the destination is below size + 5 %.
  "disk_full", // The destination filled up while downloading.
  "invalid_target", // File name or folder escapes the model folders or has no model extension.
  "target_exists", // A file with the final name is already in the model folder.
  "link_expired", // The presigned URL kept expiring; re-resolving did not help.
  "transfer_failed", // aria2 reported another error.
  "unsupported_link", // The pasted text is not a URL the engine can download.
]);
export type DownloadFailureCode = z.infer<typeof downloadFailureCodeSchema>;

export const downloadFailureSchema = z.object({
  code: downloadFailureCodeSchema,
  message: z.string().max(2000),
  params: z.record(z.string(), z.union([z.string(), z.number(), z.null()])).optional(),
});
export type DownloadFailureInfo = z.infer<typeof downloadFailureSchema>;

export const downloadStatusSchema = z.enum(["queued", "active", "paused", "verifying", "completed", "failed", "canceled"]);
export type DownloadStatus = z.infer<typeof downloadStatusSchema>;

export const sourceKindSchema = z.enum(["civitai", "huggingface", "modelscope", "direct"]);
export type SourceKind = z.infer<typeof sourceKindSchema>;

/** One job of the download queue. */
export const downloadJobSchema = z.object({
  id: z.string(),
  position: z.number().int(),
  status: downloadStatusSchema,
  source_kind: sourceKindSchema,
  /** Normalised URL the user asked for; never a presigned URL and never carries a token. */
  url: z.string(),
  /** Folder relative to the models root, e.g. `loras` or `loras/SDXL 1.0`. */
  folder: z.string(),
  file_name: z.string().nullable(),
  total_bytes: nonNegativeInt.nullable(),
  downloaded_bytes: nonNegativeInt,
  speed_bytes_per_s: z.number().nonnegative(),
  /** Published SHA-256 (lower-case hex) the file is checked against, when known. */
  sha256: z.string().nullable(),
  error: downloadFailureSchema.nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().nullable(),
});
export type DownloadJob = z.infer<typeof downloadJobSchema>;

const previewRequestShape = {
  url: z.string().min(1).max(4000),
  /** Overrides the folder guessed from CivitAI type or HF path, relative to the models root. */
  folder: z.string().min(1).max(200).optional(),
  /** Picks one file of a multi-file CivitAI version. */
  civitai_file_id: z.number().int().positive().optional(),
};

/** A download request: a pasted link plus optional overrides. */
export const addDownloadRequestSchema = z.object({
  ...previewRequestShape,
  /** Set after the user confirmed a duplicate warning. */
  allow_duplicate: z.boolean().optional(),
});
export type AddDownloadRequest = z.infer<typeof addDownloadRequestSchema>;

export const duplicateSchema = z.object({
  reason: z.enum(["same_url", "same_target", "same_hash"]),
  /** The queued or finished job it matches, or null for a file already installed. */
  job_id: z.string().nullable(),
  path: z.string().nullable(),
});
export type Duplicate = z.infer<typeof duplicateSchema>;

/** One file of a CivitAI model version, as the search and the link preview list it. */
export const civitaiFileSchema = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  /** CivitAI's file type: `Model`, `Pruned Model`, `VAE`, `Training Data`, … */
  type: z.string(),
  size_bytes: nonNegativeInt,
  primary: z.boolean(),
  sha256: z.string().nullable(),
  format: z.string().nullable(),
  fp: z.string().nullable(),
  /** Folder the file would go to, relative to the models root. */
  folder: z.string(),
  /** The download API link of exactly this file (`?fileId=`), to paste into downloads.add. */
  download_url: z.string(),
});
export type CivitaiFile = z.infer<typeof civitaiFileSchema>;

/** The resolved view of a link before anything is downloaded, for the confirmation step. */
export const downloadPreviewSchema = z.object({
  source_kind: sourceKindSchema,
  url: z.string(),
  file_name: z.string(),
  folder: z.string(),
  total_bytes: nonNegativeInt.nullable(),
  sha256: z.string().nullable(),
  free_bytes: nonNegativeInt,
  fits: z.boolean(),
  duplicates: z.array(duplicateSchema),
  /** Every file of the CivitAI version, so the user can pick several; absent for other sources. */
  civitai_files: z.array(civitaiFileSchema).optional(),
  /** The CivitAI file this preview resolved. */
  civitai_file_id: z.number().int().positive().nullable().optional(),
});
export type DownloadPreview = z.infer<typeof downloadPreviewSchema>;

export const addDownloadResultSchema = z.discriminatedUnion("outcome", [
  // "added": the job is in the queue. It is already `failed` when the link did not resolve, so the user can add a token and retry.
  z.object({ outcome: z.literal("added"), job: downloadJobSchema }),
  z.object({ outcome: z.literal("duplicate"), preview: downloadPreviewSchema }),
  z.object({ outcome: z.literal("refused"), error: downloadFailureSchema, preview: downloadPreviewSchema.nullable() }),
]);
export type AddDownloadResult = z.infer<typeof addDownloadResultSchema>;

/** CivitAI's by-hash lookup result for a local file. */
export const civitaiInfoSchema = z.object({
  model_id: z.number().int(),
  model_name: z.string(),
  model_type: z.string(),
  version_id: z.number().int(),
  version_name: z.string(),
  base_model: z.string().nullable(),
  trained_words: z.array(z.string()),
  preview_url: z.string().nullable(),
  page_url: z.string(),
});
export type CivitaiInfo = z.infer<typeof civitaiInfoSchema>;

/** Progress of a file's hash and of its CivitAI lookup. */
export const hashStateSchema = z.enum(["pending", "done", "error"]);
export const civitaiStateSchema = z.enum(["pending", "found", "not_found", "error"]);

/** One model file in the local library. */
export const libraryItemSchema = z.object({
  /** Absolute path in the container. */
  path: z.string(),
  /** ComfyUI folder key: `checkpoints`, `loras`, `diffusion_models`, … */
  folder: z.string(),
  /** Path below the folder's root, e.g. `SDXL 1.0/ink.safetensors`. */
  relative_path: z.string(),
  name: z.string(),
  size_bytes: nonNegativeInt,
  modified_at: z.string(),
  sha256: z.string().nullable(),
  hash_state: hashStateSchema,
  civitai_state: civitaiStateSchema,
  civitai: civitaiInfoSchema.nullable(),
  /** Other files in the library with the same SHA-256. */
  duplicate_count: nonNegativeInt,
});
export type LibraryItem = z.infer<typeof libraryItemSchema>;

const folderSummarySchema = z.object({ folder: z.string(), count: nonNegativeInt, size_bytes: nonNegativeInt });

const libraryPathSchema = z.string().min(1).max(4096);

const searchSortSchema = z.enum(["Highest Rated", "Most Downloaded", "Most Liked", "Most Discussed", "Most Collected", "Most Images", "Newest", "Oldest"]);

/** A CivitAI model as the search lists it. */
export const civitaiModelSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  type: z.string(),
  nsfw: z.boolean(),
  creator: z.string().nullable(),
  download_count: nonNegativeInt,
  tags: z.array(z.string()),
  versions: z.array(
    z.object({
      id: z.number().int(),
      name: z.string(),
      base_model: z.string().nullable(),
      published_at: z.string().nullable(),
      trained_words: z.array(z.string()),
      preview_url: z.string().nullable(),
      files: z.array(civitaiFileSchema),
    }),
  ),
});
export type CivitaiModel = z.infer<typeof civitaiModelSchema>;

/** One entry of a Hugging Face repository listing. */
export const hfEntrySchema = z.object({
  type: z.enum(["file", "directory"]),
  path: z.string(),
  size_bytes: nonNegativeInt,
  /** LFS SHA-256 when the Hub publishes one. */
  sha256: z.string().nullable(),
  /** The `/resolve/` URL on the configured endpoint; null for directories. */
  download_url: z.string().nullable(),
  /** Folder a download would go to; null for directories and non-model files. */
  folder: z.string().nullable(),
});
export type HfEntry = z.infer<typeof hfEntrySchema>;

const jobIdArgs = z.strictObject({ id: z.string().min(1).max(64) });

export const modelsCommands = {
  "downloads.preview": {
    args: z.strictObject(previewRequestShape),
    result: downloadPreviewSchema,
    scope: "read",
  },
  "downloads.add": { args: z.strictObject(addDownloadRequestSchema.shape), result: addDownloadResultSchema, scope: "control" },
  "downloads.pause": { args: jobIdArgs, result: downloadJobSchema, scope: "control" },
  "downloads.resume": { args: jobIdArgs, result: downloadJobSchema, scope: "control" },
  "downloads.cancel": { args: jobIdArgs, result: downloadJobSchema, scope: "control" },
  "downloads.retry": { args: jobIdArgs, result: downloadJobSchema, scope: "control" },
  "downloads.reorder": {
    args: z.strictObject({ id: z.string().min(1).max(64), index: nonNegativeInt.max(100_000) }),
    result: z.object({ jobs: z.array(downloadJobSchema) }),
    scope: "control",
  },
  "downloads.list": { args: z.strictObject({}), result: z.object({ jobs: z.array(downloadJobSchema) }), scope: "read" },

  "models.list": {
    args: z.strictObject({
      folder: z.string().min(1).max(64).optional(),
      search: z.string().max(200).optional(),
      limit: z.number().int().min(1).max(1000).default(500),
      offset: nonNegativeInt.default(0),
    }),
    result: z.object({
      items: z.array(libraryItemSchema),
      total: nonNegativeInt,
      folders: z.array(folderSummarySchema),
      /** Files still waiting for their SHA-256. */
      hash_pending: nonNegativeInt,
      scanned_at: z.string().nullable(),
    }),
    scope: "read",
  },
  "models.details": {
    args: z.strictObject({ path: libraryPathSchema }),
    result: z.object({ item: libraryItemSchema, sidecars: z.array(z.string()), duplicates: z.array(z.string()) }),
    scope: "read",
  },
  "models.delete": {
    args: z.strictObject({ path: libraryPathSchema, confirm: z.literal(true) }),
    result: z.object({ deleted: z.array(z.string()) }),
    scope: "admin",
  },
  "models.duplicates": {
    args: z.strictObject({}),
    result: z.object({ groups: z.array(z.object({ sha256: z.string(), size_bytes: nonNegativeInt, paths: z.array(z.string()) })) }),
    scope: "read",
  },
  "models.rescan": {
    args: z.strictObject({}),
    result: z.object({ files: nonNegativeInt, added: nonNegativeInt, removed: nonNegativeInt, changed: nonNegativeInt }),
    scope: "control",
  },
  "models.civitai.search": {
    args: z.strictObject({
      query: z.string().max(200).optional(),
      types: z.array(z.string().min(1).max(40)).max(10).optional(),
      base_models: z.array(z.string().min(1).max(60)).max(10).optional(),
      sort: searchSortSchema.optional(),
      nsfw: z.boolean().optional(),
      cursor: z.string().max(200).optional(),
      limit: z.number().int().min(1).max(100).default(20),
    }),
    result: z.object({ items: z.array(civitaiModelSchema), next_cursor: z.string().nullable() }),
    scope: "read",
  },
  "models.hf.browse": {
    args: z.strictObject({
      repo: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/, "a repository id such as owner/name"),
      revision: z.string().regex(/^[A-Za-z0-9._/-]{1,100}$/, "a branch, tag or commit").optional(),
      path: z.string().max(1000).optional(),
    }),
    result: z.object({ repo: z.string(), revision: z.string(), path: z.string(), entries: z.array(hfEntrySchema), truncated: z.boolean() }),
    scope: "read",
  },
} as const satisfies Record<string, CommandSpec>;

/** Events of the Models page: queue progress and library changes. */
export const downloadJobEventFields = { job: downloadJobSchema };
export const libraryChangedEventFields = {
  /** What changed: a scan found files added or removed, hashes or CivitAI data arrived, or a file was deleted. */
  reason: z.enum(["scan", "hash", "civitai", "delete"]),
  count: nonNegativeInt,
};
