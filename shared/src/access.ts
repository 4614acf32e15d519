import { z } from "zod";

import { utcTimestampSchema } from "./time.js";

// The access proxy: the reporter's login in front of ComfyUI and other local services. The
// edge and the reporter share a per-instance signing key. The dashboard gets a short-lived
// ticket signed with it, and the proxy checks the ticket without asking the edge.

/** How long a ticket from the dashboard can be exchanged for a proxy session. */
export const ACCESS_TICKET_TTL_MS = 60_000;

/** The longest time the proxy may keep the edge's answer about an API token. */
export const ACCESS_TOKEN_CACHE_MAX_MS = 60_000;

/** Path on the proxy that takes `?ticket=` (and optional `next=`), sets the session cookie and redirects. */
export const ACCESS_LOGIN_PATH = "/__cc/login";

/** Version tag that starts every ticket. */
export const ACCESS_TICKET_VERSION = "cc1";

/** Base64url without padding, as the tickets and the signing key are encoded. */
const base64UrlSchema = z.string().regex(/^[A-Za-z0-9_-]+$/, "base64url without padding");

/**
 * A ticket: `cc1.<instance id>.<expiry in ms since the epoch>.<nonce>.<signature>`. The
 * signature is the base64url HMAC-SHA-256 of everything before the last dot under the
 * instance's access key.
 */
export const accessTicketSchema = z
  .string()
  .max(512)
  .regex(/^cc1\.[a-z0-9][a-z0-9-]{0,62}\.[0-9]{1,15}\.[A-Za-z0-9_-]{16,64}\.[A-Za-z0-9_-]{43}$/, "a ticket of the form cc1.<instance>.<expiry>.<nonce>.<signature>");

/** The fields of a ticket, before its signature is checked. */
export interface AccessTicketParts {
  instanceId: string;
  expiresAtMs: number;
  nonce: string;
  /** The text the signature covers. */
  signed: string;
  signature: string;
}

/** Splits a ticket into its fields; null when it does not have the ticket's form. */
export function splitAccessTicket(ticket: string): AccessTicketParts | null {
  if (!accessTicketSchema.safeParse(ticket).success) {
    return null;
  }
  const parts = ticket.split(".");
  const [, instanceId, expiry, nonce, signature] = parts;
  if (instanceId === undefined || expiry === undefined || nonce === undefined || signature === undefined) {
    return null;
  }
  return { instanceId, expiresAtMs: Number(expiry), nonce, signed: parts.slice(0, 4).join("."), signature };
}

/** Returns the text a ticket's signature covers. */
export function accessTicketSignedText(instanceId: string, expiresAtMs: number, nonce: string): string {
  return `${ACCESS_TICKET_VERSION}.${instanceId}.${expiresAtMs}.${nonce}`;
}

/** `POST /api/instances/:id/access-ticket`: a ticket for the owner's browser. */
export const accessTicketResponseSchema = z.object({
  ticket: accessTicketSchema,
  expires_at: utcTimestampSchema,
  /** Path and query to open on the proxy's public address, e.g. the quick-tunnel URL. */
  login_path: z.string().max(1024),
});
export type AccessTicketResponse = z.infer<typeof accessTicketResponseSchema>;

/** Body of `POST /api/instances/:id/access-ticket`: where the browser goes after login. */
export const accessTicketRequestSchema = z.strictObject({
  /** A path on the proxy such as `/` (the default); never a full URL, so the redirect stays on the proxy. */
  next: z
    .string()
    .max(1024)
    .regex(/^\/(?![/\\])[^\s]*$/, "a path that starts with a single '/'")
    .optional(),
});

/** `GET /api/reporter/access/key` (instance token): the instance's signing key. */
export const accessKeyResponseSchema = z.object({
  instance_id: z.string(),
  /** 32 random-looking bytes in base64url; a secret. */
  key: base64UrlSchema.length(43),
});
export type AccessKeyResponse = z.infer<typeof accessKeyResponseSchema>;

/** `POST /api/reporter/access/verify-token` (instance token): asks whether an API token is valid. */
export const accessTokenCheckRequestSchema = z.strictObject({ token: z.string().min(1).max(256) });

export const accessTokenCheckResponseSchema = z.discriminatedUnion("valid", [
  z.object({ valid: z.literal(true), token_id: z.string(), scope: z.enum(["read", "control", "admin"]) }),
  z.object({ valid: z.literal(false) }),
]);
export type AccessTokenCheckResponse = z.infer<typeof accessTokenCheckResponseSchema>;
