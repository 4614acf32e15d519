import { z } from "zod";

import type { CommandSpec } from "./commands.js";

// How stored secrets reach a reporter. The edge keeps every secret encrypted. A reporter
// receives the CivitAI and Hugging Face tokens through `secrets.set` and rclone.conf through
// `sync.config.set` when it connects and whenever the owner sets one.
// This module must not import commands.ts, security.ts or messages.ts at run time, because
// commands.ts spreads it in and the cycle would leave those imports undefined.

/** The tokens a reporter keeps (mode 0600 under its state dir) for downloads and the tunnel's API mode. */
export const REPORTER_TOKEN_NAMES = ["civitai_token", "hf_token", "cloudflare_token"] as const;
export const reporterTokenNameSchema = z.enum(REPORTER_TOKEN_NAMES);
export type ReporterTokenName = z.infer<typeof reporterTokenNameSchema>;

/** Same bound as a stored secret (`MAX_SECRET_BYTES` in security.ts). */
const MAX_TOKEN_CHARS = 64 * 1024;

/** SHA-256 of a secret's UTF-8 text, hex-encoded: lets the edge tell whether a copy differs without seeing it. */
export const secretDigestSchema = z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 of 64 lower-case hex characters");

/**
 * Digests of the secrets a reporter keeps, sent in `hello` so the edge sends only what
 * differs. Older reporters that take no secrets from the edge leave it out.
 */
export const heldSecretsSchema = z.object({
  /** SHA-256 of each token the reporter holds; a name left out is not held. */
  tokens: z.object({ civitai_token: secretDigestSchema.optional(), hf_token: secretDigestSchema.optional(), cloudflare_token: secretDigestSchema.optional() }),
  /**
   * rclone.conf on the instance: its SHA-256 (null when there is none) and whether a change
   * of it still waits to reach the edge. Absent when cloud sync is off on the instance.
   */
  rclone_conf: z.object({ sha256: secretDigestSchema.nullable(), unsent: z.boolean() }).optional(),
});
export type HeldSecrets = z.infer<typeof heldSecretsSchema>;

export const secretsCommands = {
  /** Stores a token on the instance for downloads. The value is a secret: never logged, echoed or audited. */
  "secrets.set": {
    args: z.strictObject({
      name: reporterTokenNameSchema,
      value: z.string().min(1).max(MAX_TOKEN_CHARS, `at most ${MAX_TOKEN_CHARS} characters`),
    }),
    result: z.object({ name: reporterTokenNameSchema, sha256: secretDigestSchema }),
    scope: "admin",
  },
  /** Deletes a token from the instance; `cleared` is false when it held none. */
  "secrets.clear": {
    args: z.strictObject({ name: reporterTokenNameSchema }),
    result: z.object({ name: reporterTokenNameSchema, cleared: z.boolean() }),
    scope: "admin",
  },
} as const satisfies Record<string, CommandSpec>;

/**
 * Commands whose arguments carry a secret, with the argument fields that may be shown (in
 * the audit log, for instance). Every other field of their arguments is a secret.
 */
export const SECRET_COMMAND_VISIBLE_ARGS: Readonly<Record<string, readonly string[]>> = {
  "sync.config.set": ["mode"],
  "secrets.set": ["name"],
  "tunnel.configure": ["mode", "domain", "subdomain", "account_id"],
};

/** Returns whether command `name` carries a secret in its arguments. */
export function carriesSecret(name: string): boolean {
  return Object.hasOwn(SECRET_COMMAND_VISIBLE_ARGS, name);
}
