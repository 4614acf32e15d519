import { z } from "zod";

import type { CommandSpec } from "./commands.js";
import { utcTimestampSchema } from "./time.js";

// The public tunnel in front of the instance's access proxy: cloudflared run by the reporter
// under PM2 in one of three modes. This module must not import commands.ts at run time,
// because commands.ts spreads it in and the cycle would leave the import undefined.

/**
 * How cloudflared gets its tunnel. `quick`: a random trycloudflare.com host, no account.
 * `token`: a tunnel token pasted by the user, hostnames set on Cloudflare's side.
 * `api`: the reporter creates the named tunnel, its ingress and DNS records with an API token.
 */
export const tunnelModeSchema = z.enum(["quick", "token", "api"]);
export type TunnelMode = z.infer<typeof tunnelModeSchema>;

/**
 * The tunnel's state, judged from cloudflared's readiness endpoint and log, never from the
 * process being alive. `stopped`: not configured to run. `offline`: should run but does not.
 * `misconfigured`: cloudflared rejected its settings (token, config file, flags) and retrying
 * will not help. `rate_limited`: Cloudflare refused a quick tunnel (HTTP 429, error 1015).
 */
export const tunnelStatusSchema = z.enum(["online", "connecting", "offline", "misconfigured", "rate_limited", "stopped"]);
export type TunnelStatus = z.infer<typeof tunnelStatusSchema>;

/** A DNS label: letters, digits and inner dashes, at most 63 characters. */
const dnsLabelSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "a DNS label of 1–63 lower-case letters, digits or inner '-'");

/** A zone name such as `example.com`. */
export const tunnelDomainSchema = z
  .string()
  .max(253)
  .regex(/^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "a domain such as example.com, in lower case");

/** A local service the tunnel publishes next to ComfyUI, e.g. JupyterLab. */
export const tunnelServiceSchema = z.object({
  /** Short name; in API mode its hostname is `<subdomain>-<name>.<domain>`. */
  name: dnsLabelSchema,
  port: z.number().int().min(1).max(65_535),
  protocol: z.enum(["http", "https"]),
});
export type TunnelService = z.infer<typeof tunnelServiceSchema>;

/** One public address and what it leads to. */
export const tunnelLinkSchema = z.object({ name: z.string().max(64), url: z.string().max(2048) });
export type TunnelLink = z.infer<typeof tunnelLinkSchema>;

/** The Tunnel page's view of the tunnel; every tunnel command returns it. */
export const tunnelViewSchema = z.object({
  /** Null until the user picks a mode. */
  mode: tunnelModeSchema.nullable(),
  status: tunnelStatusSchema,
  /** Whether the reporter keeps cloudflared running (start sets it, stop clears it). */
  enabled: z.boolean(),
  links: z.array(tunnelLinkSchema),
  services: z.array(tunnelServiceSchema),
  /** API mode: the settings in use, without the API token. */
  api: z.object({ domain: z.string(), subdomain: z.string(), tunnel_id: z.string().nullable() }).nullable(),
  /** Set while rate-limited: when the next start is planned and how many starts were refused in a row. */
  rate_limit: z.object({ next_attempt_at: utcTimestampSchema, refused_starts: z.number().int().positive() }).nullable(),
  /** The last problem in plain words (cloudflared's or Cloudflare's message), or null. */
  problem: z.string().max(2000).nullable(),
  /** Registered edge connections according to `/ready`. */
  connections: z.number().int().nonnegative(),
  /** Local origin every hostname must lead to (the access proxy); null while it is not listening. Optional for older reporters. */
  origin: z.string().nullable().optional(),
});
export type TunnelView = z.infer<typeof tunnelViewSchema>;

const emptyArgs = z.strictObject({});
const viewResult = tunnelViewSchema;

/** Arguments of `tunnel.configure`; the token fields are secrets (see SECRET_COMMAND_VISIBLE_ARGS). */
export const tunnelConfigureArgsSchema = z.discriminatedUnion("mode", [
  z.strictObject({ mode: z.literal("quick") }),
  z.strictObject({ mode: z.literal("token"), token: z.string().min(20).max(4096) }),
  z.strictObject({
    mode: z.literal("api"),
    /** Absent: the Cloudflare API token stored at the edge (Settings), which the edge hands to the reporter. */
    api_token: z.string().min(20).max(256).optional(),
    domain: tunnelDomainSchema,
    subdomain: dnsLabelSchema,
    /** Needed only for account-owned API tokens, which cannot read the zone's account. */
    account_id: z.string().regex(/^[0-9a-f]{32}$/, "a Cloudflare account id of 32 hex characters").optional(),
  }),
]);
export type TunnelConfigureArgs = z.infer<typeof tunnelConfigureArgsSchema>;

export const tunnelCommands = {
  "tunnel.status": { args: emptyArgs, result: viewResult, scope: "read" },
  /** Saves the mode and its credentials; a running tunnel restarts with them. */
  "tunnel.configure": { args: tunnelConfigureArgsSchema, result: viewResult, scope: "admin" },
  "tunnel.start": { args: emptyArgs, result: viewResult, scope: "control" },
  "tunnel.stop": { args: emptyArgs, result: viewResult, scope: "control" },
  "tunnel.restart": { args: emptyArgs, result: viewResult, scope: "control" },
  /** Adds or replaces a service by name; API mode updates ingress and DNS at once. */
  "tunnel.services.add": { args: z.strictObject({ service: tunnelServiceSchema }), result: viewResult, scope: "admin" },
  "tunnel.services.remove": { args: z.strictObject({ name: dnsLabelSchema }), result: viewResult, scope: "admin" },
  /** API mode: deletes the DNS records and the named tunnel the reporter created, then forgets the mode. */
  "tunnel.remove": { args: emptyArgs, result: viewResult, scope: "admin" },
  /** The last lines of cloudflared's log, oldest first. */
  "tunnel.logs": {
    args: z.strictObject({ lines: z.number().int().min(1).max(1000).optional() }),
    result: z.object({ lines: z.array(z.string().max(8000)) }),
    scope: "read",
  },
} as const satisfies Record<string, CommandSpec>;
