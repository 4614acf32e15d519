import { z } from "zod";

/**
 * Failure reason of a download job or a rejected request. The dashboard shows each through an i18n key;
 * `params` carries the values the message needs (host, repo page, free bytes).
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

/** One job as the engine reports it (queue list, events, later the Models page). */
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
  total_bytes: z.number().int().nonnegative().nullable(),
  downloaded_bytes: z.number().int().nonnegative(),
  speed_bytes_per_s: z.number().nonnegative(),
  /** Published SHA-256 (lower-case hex) the file is checked against, when known. */
  sha256: z.string().nullable(),
  error: downloadFailureSchema.nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().nullable(),
});
export type DownloadJob = z.infer<typeof downloadJobSchema>;

/** A download request: a pasted link plus optional overrides. */
export const addDownloadRequestSchema = z.object({
  url: z.string().min(1).max(4000),
  /** Overrides the folder guessed from CivitAI type or HF path, relative to the models root. */
  folder: z.string().min(1).max(200).optional(),
  /** Picks one file of a multi-file CivitAI version. */
  civitai_file_id: z.number().int().positive().optional(),
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

/** The resolved view of a link before anything is downloaded, for the confirmation step. */
export const downloadPreviewSchema = z.object({
  source_kind: sourceKindSchema,
  url: z.string(),
  file_name: z.string(),
  folder: z.string(),
  total_bytes: z.number().int().nonnegative().nullable(),
  sha256: z.string().nullable(),
  free_bytes: z.number().int().nonnegative(),
  fits: z.boolean(),
  duplicates: z.array(duplicateSchema),
});
export type DownloadPreview = z.infer<typeof downloadPreviewSchema>;

export const addDownloadResultSchema = z.discriminatedUnion("outcome", [
  // "added": the job is in the queue. It is already `failed` when the link did not resolve, so the user can add a token and retry.
  z.object({ outcome: z.literal("added"), job: downloadJobSchema }),
  z.object({ outcome: z.literal("duplicate"), preview: downloadPreviewSchema }),
  z.object({ outcome: z.literal("refused"), error: downloadFailureSchema, preview: downloadPreviewSchema.nullable() }),
]);
export type AddDownloadResult = z.infer<typeof addDownloadResultSchema>;
