import { z } from "zod";

import { deployRequestSchema, gitUrlSchema } from "./deploy.js";
import { instanceIdSchema } from "./messages.js";
import { secretNameSchema } from "./security.js";
import { syncRemoteNameSchema } from "./sync.js";
import { utcTimestampSchema } from "./time.js";

// Defaults that are objects or lists are functions, so each parse gets its own copy to change.
// The setup wizard's stored values (the deploy configuration), the import of a config file
// (ComfyCarry's own export or the JSON that the earlier Python ComfyCarry 0.6.x writes) and
// the export. The edge keeps one configuration per instance plus a fleet default. Secrets
// go to the edge's secret store, and no response body carries them back.

/** The `format` value of ComfyCarry's own export file. */
export const CONFIG_EXPORT_FORMAT = "comfycarry.config.v1";

/** A sync rule body as `sync.rule.create` takes it; the reporter validates it again in full. */
export const importedSyncRuleSchema = z.object({
  name: z.string().trim().min(1).max(100),
  local_path: z.string().min(1).max(1000),
  remote: syncRemoteNameSchema,
  remote_path: z.string().min(1).max(1000),
  direction: z.enum(["push", "pull"]),
  method: z.enum(["copy", "mirror", "move"]),
  mirror_confirmed: z.boolean(),
  trigger: z.discriminatedUnion("type", [
    z.object({ type: z.literal("manual") }),
    z.object({ type: z.literal("watch") }),
    z.object({ type: z.literal("interval"), every_s: z.number().int().min(60).max(7 * 24 * 3600) }),
    z.object({ type: z.literal("on_deploy") }),
  ]),
  filters: z.object({ include: z.array(z.string().min(1).max(500)).max(100), exclude: z.array(z.string().min(1).max(500)).max(100) }),
  enabled: z.boolean(),
});
export type ImportedSyncRule = z.infer<typeof importedSyncRuleSchema>;

/** The setup wizard's values, stored by the edge per instance and as the fleet default. */
export const deployConfigSchema = z.object({
  /** The request the wizard sends as `deploy.start`. */
  request: deployRequestSchema.default(() => deployRequestSchema.parse({ mode: "fresh" })),
  /** Git URLs of default custom nodes the user turned off. */
  disabled_default_nodes: z.array(gitUrlSchema).max(200).default(() => []),
  /** Sync rules brought in by an import; the wizard creates them on the instance with `sync.rule.create`. */
  sync_rules: z.array(importedSyncRuleSchema).max(100).default(() => []),
  /** Seconds a file must stay unchanged before a push rule uploads it; null keeps the reporter's default. */
  settle_s: z.number().int().min(0).max(3600).nullable().default(null),
  /** A Hugging Face mirror for downloads, e.g. https://hf-mirror.com; null uses huggingface.co. */
  hf_endpoint: z.url({ protocol: /^https?$/ }).max(500).nullable().default(null),
  /** Cloudflare zone and subdomain for an API-created tunnel, kept for the tunnel feature. */
  tunnel: z
    .object({ domain: z.string().max(253).nullable().default(null), subdomain: z.string().max(63).nullable().default(null) })
    .default(() => ({ domain: null, subdomain: null })),
});
export type DeployConfig = z.infer<typeof deployConfigSchema>;
export type DeployConfigInput = z.input<typeof deployConfigSchema>;

/** Flags of the secrets the edge stores, so the wizard can show "saved" without the value. */
export const storedSecretFlagsSchema = z.record(secretNameSchema, z.boolean());

/** `GET /api/config/deploy/:instance_id`. */
export const deployConfigResponseSchema = z.object({
  instance_id: instanceIdSchema,
  /** `instance` when the instance has its own, `default` for the fleet default, `empty` for neither. */
  source: z.enum(["instance", "default", "empty"]),
  config: deployConfigSchema,
  secrets: storedSecretFlagsSchema,
  updated_at: utcTimestampSchema.nullable(),
});
export type DeployConfigResponse = z.infer<typeof deployConfigResponseSchema>;

/** `PUT /api/config/deploy/:instance_id`. */
export const deployConfigSaveRequestSchema = z.strictObject({ config: deployConfigSchema });

/** Outcome of one field of an imported file. */
export const importOutcomeSchema = z.enum(["applied", "rejected", "not_applied"]);
export type ImportOutcome = z.infer<typeof importOutcomeSchema>;

/** One line of the import report: the field (`sync_rules[2]`), what happened, where it went and why. */
export const importReportEntrySchema = z.object({
  field: z.string().max(200),
  outcome: importOutcomeSchema,
  /** Destination of the value (`secret:civitai_token`, `config:request.attention`, …), or null when it went nowhere. */
  target: z.string().max(200).nullable(),
  /** Reason for a rejection or a skip, or a note on how it was applied. It never contains the value. */
  reason: z.string().max(500).nullable(),
});
export type ImportReportEntry = z.infer<typeof importReportEntrySchema>;

/** `POST /api/config/import`: the parsed JSON of the file, and the passphrase for an encrypted export. */
export const configImportRequestSchema = z.strictObject({
  file: z.unknown(),
  /** Also stores the result as this instance's configuration, besides the fleet default. */
  instance_id: instanceIdSchema.optional(),
  passphrase: z.string().min(1).max(1024).optional(),
  /** Checks and reports without storing anything. */
  dry_run: z.boolean().optional(),
});
export type ConfigImportRequest = z.infer<typeof configImportRequestSchema>;

export const configImportResultSchema = z.object({
  /** `upstream` for the Python version's file, `comfycarry` for this project's export. */
  source: z.enum(["upstream", "comfycarry"]),
  report: z.array(importReportEntrySchema),
  config: deployConfigSchema,
  /** Secrets stored at the edge by this import (names only). */
  secrets_stored: z.array(secretNameSchema),
  stored: z.boolean(),
});
export type ConfigImportResult = z.infer<typeof configImportResultSchema>;

/** `POST /api/config/export`: with a passphrase the stored secrets are included, encrypted. */
export const configExportRequestSchema = z.strictObject({
  instance_id: instanceIdSchema.optional(),
  passphrase: z.string().min(12, "a passphrase of at least 12 characters").max(1024).optional(),
});

/** Secrets sealed with a passphrase: PBKDF2-SHA-256 derives an AES-256-GCM key. */
export const sealedSecretsSchema = z.object({
  kdf: z.literal("PBKDF2-SHA-256"),
  iterations: z.number().int().min(100_000).max(10_000_000),
  salt: z.string().max(100),
  cipher: z.literal("AES-256-GCM"),
  iv: z.string().max(100),
  ciphertext: z.string().max(1024 * 1024),
});
export type SealedSecrets = z.infer<typeof sealedSecretsSchema>;

/** ComfyCarry's own export file. */
export const configExportFileSchema = z.object({
  format: z.literal(CONFIG_EXPORT_FORMAT),
  exported_at: utcTimestampSchema,
  config: deployConfigSchema,
  secrets: sealedSecretsSchema.nullable(),
});
export type ConfigExportFile = z.infer<typeof configExportFileSchema>;

/** The sealed secrets once opened: name to value. */
export const exportedSecretValuesSchema = z.partialRecord(secretNameSchema, z.string().min(1).max(64 * 1024));

/** Settings `bootstrap.sh` hands over at enrollment, besides secrets. */
export const bootstrapSettingsSchema = z.strictObject({
  hf_endpoint: z.url({ protocol: /^https?$/ }).max(500).optional(),
  cf_domain: z.string().max(253).optional(),
  cf_subdomain: z.string().max(63).optional(),
});

/**
 * `POST /api/bootstrap/handoff` with `Authorization: Bearer <enrollment key>`: the tokens and
 * rclone.conf that the on-start line's environment carried. Only secrets the edge does not
 * store yet are set. The enrollment key sits in a rental template that the host can read, so
 * it must not be able to swap the owner's rclone.conf for a remote of someone else's.
 */
export const bootstrapHandoffRequestSchema = z.strictObject({
  secrets: z.partialRecord(secretNameSchema, z.string().min(1).max(64 * 1024)).default({}),
  settings: bootstrapSettingsSchema.default({}),
});
export type BootstrapHandoffRequest = z.infer<typeof bootstrapHandoffRequestSchema>;

export const bootstrapHandoffResultSchema = z.object({
  /** Secrets that were not stored before and now are. */
  secrets_changed: z.array(secretNameSchema),
  /** Secrets whose stored value equals the handed one. */
  secrets_unchanged: z.array(secretNameSchema),
  /** Secrets stored with another value, which the handoff left as they are; the owner replaces them under Settings. */
  secrets_kept: z.array(secretNameSchema),
  settings_changed: z.boolean(),
});

/** Tokens the wizard can check against their host's API. */
export const checkableTokenNameSchema = z.enum(["civitai_token", "hf_token"]);

/** `POST /api/config/tokens/:name/check`: whether the stored token is accepted by its host. */
export const tokenCheckResultSchema = z.object({
  name: checkableTokenNameSchema,
  /** False when no token is stored; `valid` is then false as well. */
  stored: z.boolean(),
  /** True when the host accepted the token, false when it rejected it, null when the host could not be reached. */
  valid: z.boolean().nullable(),
  /** The account name the host returned, when it returns one (Hugging Face does). */
  account: z.string().max(200).nullable(),
  /** The host's response in English, for a rejection or an unreachable host. */
  detail: z.string().max(500).nullable(),
});
export type TokenCheckResult = z.infer<typeof tokenCheckResultSchema>;
