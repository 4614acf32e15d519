import { z } from "zod";

import { commandScopeSchema } from "./commands.js";
import { errorCodeSchema } from "./errors.js";
import { hostFactsSchema, instanceIdSchema } from "./messages.js";
import { utcTimestampSchema } from "./time.js";

// Bodies of the edge's owner, token, enrollment, secret and audit routes. The edge parses
// requests with them and the dashboard's Settings page parses the responses.

/**
 * Header that carries the CSRF token on a cookie-authenticated, state-changing request that
 * has no `Origin` header. Browsers send `Origin` on every such request today, so the
 * dashboard needs it only as a fallback; the token comes from `GET /api/auth/session`.
 */
export const CSRF_HEADER = "X-CSRF-Token";

/** A new owner password: long enough to resist guessing, short enough to bound PBKDF2's input. */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;
export const newPasswordSchema = z
  .string()
  .min(MIN_PASSWORD_LENGTH, `a password of at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(MAX_PASSWORD_LENGTH, `a password of at most ${MAX_PASSWORD_LENGTH} characters`);

/** A password being checked: any length up to the bound, since a wrong one is just wrong. */
const candidatePasswordSchema = z.string().max(MAX_PASSWORD_LENGTH, `at most ${MAX_PASSWORD_LENGTH} characters`);

// Owner and sessions

export const loginRequestSchema = z.strictObject({ password: candidatePasswordSchema });

/** `GET /api/auth/session`. `csrf_token` goes into {@link CSRF_HEADER} where a request has no `Origin`. */
export const sessionInfoSchema = z.object({
  authenticated: z.literal(true),
  expires_at: utcTimestampSchema,
  csrf_token: z.string(),
});
export type SessionInfo = z.infer<typeof sessionInfoSchema>;

/** `GET /api/auth/setup` (anonymous): whether the first-run page must ask for the setup code. */
export const setupStatusSchema = z.object({
  setup_required: z.boolean(),
  /** False when no setup code was deployed either: the operator must set DASHBOARD_PASSWORD or run the deploy script. */
  setup_code_configured: z.boolean(),
});
export type SetupStatus = z.infer<typeof setupStatusSchema>;

/** `POST /api/auth/setup` (anonymous, once): the code the deploy script printed and the owner's new password. */
export const setupRequestSchema = z.strictObject({
  setup_code: z.string().min(1).max(256),
  password: newPasswordSchema,
});

/** `POST /api/auth/password`: every session ends and the caller gets a fresh one. */
export const passwordChangeRequestSchema = z.strictObject({
  current_password: candidatePasswordSchema,
  new_password: newPasswordSchema,
});

// API tokens

/** Scopes nest: `admin` includes `control`, which includes `read`. Commands name theirs in commands.ts. */
export const apiScopeSchema = commandScopeSchema;
export type ApiScope = z.infer<typeof apiScopeSchema>;

/** Ids of tokens and keys the edge issues: 16 lower-case hex characters. */
export const credentialIdSchema = z.string().regex(/^[0-9a-f]{16}$/, "an id of 16 lower-case hex characters");

const labelSchema = z
  .string()
  .trim()
  .min(1, "a name of at least one visible character")
  .max(64, "a name of at most 64 characters");

export const apiTokenCreateRequestSchema = z.strictObject({ name: labelSchema, scope: apiScopeSchema });

export const apiTokenSchema = z.object({
  id: credentialIdSchema,
  name: z.string(),
  scope: apiScopeSchema,
  created_at: utcTimestampSchema,
  last_used_at: utcTimestampSchema.nullable(),
});
export type ApiToken = z.infer<typeof apiTokenSchema>;

/** Response to creating a token: the only time `token` is shown. */
export const apiTokenCreatedSchema = apiTokenSchema.extend({ token: z.string() });
export const apiTokenListSchema = z.object({ tokens: z.array(apiTokenSchema) });

// Enrollment

export const enrollmentKeyCreateRequestSchema = z.strictObject({ name: labelSchema });

export const enrollmentKeySchema = z.object({
  id: credentialIdSchema,
  name: z.string(),
  created_at: utcTimestampSchema,
  last_used_at: utcTimestampSchema.nullable(),
  use_count: z.number().int().nonnegative(),
});
export type EnrollmentKey = z.infer<typeof enrollmentKeySchema>;

/** Response to creating an enrollment key: the only time `key` is shown. */
export const enrollmentKeyCreatedSchema = enrollmentKeySchema.extend({ key: z.string() });
export const enrollmentKeyListSchema = z.object({ keys: z.array(enrollmentKeySchema) });

export const MAX_INSTANCE_NAME_LENGTH = 64;
export const instanceNameSchema = z
  .string()
  .trim()
  .min(1, "a name of at least one visible character")
  .max(MAX_INSTANCE_NAME_LENGTH, `a name of at most ${MAX_INSTANCE_NAME_LENGTH} characters`);

/**
 * `POST /api/enroll` with `Authorization: Bearer <enrollment key>`. A `name` that an instance
 * already has takes that instance over; without one a new instance is created.
 */
export const enrollRequestSchema = z.strictObject({
  name: instanceNameSchema.optional(),
  host: hostFactsSchema.optional(),
});
export type EnrollRequest = z.infer<typeof enrollRequestSchema>;

export const enrollResponseSchema = z.object({
  instance_id: instanceIdSchema,
  name: z.string(),
  /** The reporter token, returned only here; the edge keeps its SHA-256 hash. */
  token: z.string(),
  /** True when an existing instance was taken over and its previous reporter was closed with `replaced`. */
  replaced: z.boolean(),
});
export type EnrollResponse = z.infer<typeof enrollResponseSchema>;

// Instances (owner side)

export const instanceCreateRequestSchema = z.strictObject({ name: instanceNameSchema });
export const instanceRenameRequestSchema = z.strictObject({ name: instanceNameSchema });

/** `POST /api/instances/:id/token`: the new reporter token, shown once; the old one stops working at once. */
export const instanceTokenSchema = z.object({ instance_id: instanceIdSchema, token: z.string() });

// Secrets

/** The secrets the edge keeps for jobs; values are never sent back to a browser. */
export const SECRET_NAMES = ["civitai_token", "hf_token", "cloudflare_token", "rclone_conf"] as const;
export const secretNameSchema = z.enum(SECRET_NAMES);
export type SecretName = z.infer<typeof secretNameSchema>;

/** Tokens are short; rclone.conf with several OAuth remotes stays well under this. */
export const MAX_SECRET_BYTES = 64 * 1024;

export const secretSetRequestSchema = z.strictObject({
  value: z.string().min(1, "a value; use DELETE to clear a secret").max(MAX_SECRET_BYTES, `at most ${MAX_SECRET_BYTES} characters`),
});

export const secretStatusSchema = z.object({
  name: secretNameSchema,
  set: z.boolean(),
  updated_at: utcTimestampSchema.nullable(),
});
export const secretListSchema = z.object({ secrets: z.array(secretStatusSchema) });

// Audit log

export const actorKindSchema = z.enum(["owner", "api_token", "enrollment_key", "system"]);
export type ActorKind = z.infer<typeof actorKindSchema>;

/** The actor of an audit entry: the owner's session, or the name of the token or key used. */
export const auditActorSchema = z.object({ kind: actorKindSchema, name: z.string() });
export type AuditActor = z.infer<typeof auditActorSchema>;

export const auditEntrySchema = z.object({
  id: z.number().int().positive(),
  at: utcTimestampSchema,
  actor: auditActorSchema,
  instance_id: instanceIdSchema.nullable(),
  /** A command name (`service.restart`) or a security action (`enroll`, `api_token.create`, …). */
  action: z.string(),
  /** Command arguments with secret-looking fields replaced by "[redacted]"; null for other actions. */
  args: z.unknown(),
  /** "ok" or the error code the action ended with. */
  result: z.union([z.literal("ok"), errorCodeSchema]),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** Query string of `GET /api/audit`; every filter is optional. `before` pages back from an entry id. */
export const auditQuerySchema = z.strictObject({
  instance_id: instanceIdSchema.optional(),
  actor: z.string().max(64).optional(),
  action: z.string().max(64).optional(),
  result: z.union([z.literal("ok"), errorCodeSchema]).optional(),
  since: utcTimestampSchema.optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

/** One page of entries, newest first; pass `next_before` as `before` for the next page. */
export const auditPageSchema = z.object({
  entries: z.array(auditEntrySchema),
  next_before: z.number().int().positive().nullable(),
});
export type AuditPage = z.infer<typeof auditPageSchema>;
