import { z } from "zod";

import { commandIdSchema, commandNameSchema } from "./commands.js";
import { wireErrorSchema } from "./errors.js";
import { eventSchema } from "./events.js";
import { instanceOverviewSchema, overviewSchema } from "./overview.js";
import { heldSecretsSchema } from "./secrets.js";
import { utcTimestampSchema } from "./time.js";

// Every frame between reporter, edge and browser, as one discriminated union on `type`
// per direction. Each side parses every frame it receives with these and rejects what
// does not parse.

/** Instance ids are chosen by the edge at enrollment: lower-case letters, digits and dashes. */
export const instanceIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, "an instance id of 1–63 lower-case letters, digits or '-'");

/** Builds the success-or-failure union of a command outcome around the fields both variants carry. */
function commandOutcome<T extends z.ZodRawShape>(shape: T) {
  return z.discriminatedUnion("ok", [
    z.object({ ...shape, ok: z.literal(true), data: z.unknown() }),
    z.object({ ...shape, ok: z.literal(false), error: wireErrorSchema }),
  ]);
}

/** Number of a snapshot on one reporter connection, counting from 1. */
export const snapshotSeqSchema = z.number().int().positive();

/** Facts about the container, sent once per connection. */
export const hostFactsSchema = z.object({
  hostname: z.string().max(255),
  platform: z.string().max(32),
  arch: z.string().max(32),
  node_version: z.string().max(32),
  cpu_model: z.string().max(255),
  cpu_cores: z.number().int().positive(),
  memory_total_bytes: z.number().nonnegative(),
  gpu_names: z.array(z.string().max(255)),
});

// Reporter → edge

export const reporterHelloSchema = z.object({
  type: z.literal("hello"),
  protocol_version: z.number().int(),
  instance_id: instanceIdSchema,
  reporter_version: z.string().max(64),
  started_at: utcTimestampSchema,
  host: hostFactsSchema,
  /** Digests of the secrets the reporter holds, so the edge sends only what differs; absent on older reporters. */
  secrets: heldSecretsSchema.optional(),
});

export const reporterMessageSchema = z.discriminatedUnion("type", [
  reporterHelloSchema,
  /** `seq` (absent on older reporters) numbers snapshots on this connection, so deltas can name their base. */
  z.object({ type: z.literal("snapshot"), snapshot: overviewSchema, seq: snapshotSeqSchema.optional() }),
  /**
   * A snapshot as an RFC 7396 JSON merge patch against snapshot `base_seq`, which the edge
   * acknowledged. Sent only to an edge whose `welcome.features` lists `snapshot_delta`.
   */
  z.object({ type: z.literal("snapshot_delta"), seq: snapshotSeqSchema, base_seq: snapshotSeqSchema, patch: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal("event"), event: eventSchema }),
  commandOutcome({ type: z.literal("command_result"), id: commandIdSchema }),
  /** Without `at` it is the constant ping frame that an edge listing `ping_auto_response` answers without waking. */
  z.object({ type: z.literal("ping"), at: utcTimestampSchema.optional() }),
  /**
   * A secret the reporter changed, e.g. rclone.conf after rclone refreshed an OAuth token.
   * The edge stores it encrypted and never fans it out to browsers. Sent only to an edge
   * whose `welcome.features` lists `secret_update`.
   */
  z.object({
    type: z.literal("secret_update"),
    name: z.literal("rclone_conf"),
    content: z.string().min(1).max(64 * 1024),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
  }),
]);
export type ReporterMessage = z.infer<typeof reporterMessageSchema>;

// Edge → reporter

export const edgeToReporterMessageSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("welcome"),
    protocol_version: z.number().int(),
    instance_id: instanceIdSchema,
    viewers: z.number().int().nonnegative(),
    server_time: utcTimestampSchema,
    /** Optional capabilities of this edge, e.g. `secret_update`; absent on older edges. */
    features: z.array(z.string().max(64)).max(64).optional(),
  }),
  z.object({
    type: z.literal("command"),
    id: commandIdSchema,
    name: commandNameSchema,
    args: z.unknown(),
    deadline: utcTimestampSchema,
  }),
  z.object({ type: z.literal("viewers"), count: z.number().int().nonnegative() }),
  /** `at` is absent when the runtime answered a constant ping by itself. */
  z.object({ type: z.literal("pong"), at: utcTimestampSchema.optional() }),
  /**
   * The edge stored snapshot `seq` (`ok`), or could not apply a delta (`ok: false`), after which
   * the reporter sends a full snapshot.
   */
  z.object({ type: z.literal("snapshot_ack"), seq: snapshotSeqSchema, ok: z.boolean() }),
  /** Sent just before the edge closes the socket on purpose; the reporter logs it. */
  z.object({ type: z.literal("refused"), error: wireErrorSchema }),
]);
export type EdgeToReporterMessage = z.infer<typeof edgeToReporterMessageSchema>;

// Browser → edge

/** Client-chosen id that ties a browser's command to its acceptance and result. */
export const requestIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const browserMessageSchema = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("command"),
    request_id: requestIdSchema,
    name: commandNameSchema,
    /** Omitted arguments mean `{}`, as for commands that take none. */
    args: z.unknown().optional(),
    deadline_ms: z.number().int().positive().optional(),
  }),
  z.object({ type: z.literal("ping") }),
]);
export type BrowserMessage = z.infer<typeof browserMessageSchema>;

// Edge → browser

export const edgeToBrowserMessageSchema = z.discriminatedUnion("type", [
  /** The full overview: sent on connect, on every snapshot and on every link change. */
  z.object({ type: z.literal("overview"), overview: instanceOverviewSchema }),
  z.object({ type: z.literal("event"), instance_id: instanceIdSchema, event: eventSchema }),
  z.object({ type: z.literal("command_accepted"), request_id: requestIdSchema, command_id: commandIdSchema }),
  commandOutcome({ type: z.literal("command_result"), request_id: requestIdSchema.nullable(), command_id: commandIdSchema }),
  z.object({ type: z.literal("error"), request_id: requestIdSchema.nullable(), error: wireErrorSchema }),
  z.object({ type: z.literal("pong") }),
]);
export type EdgeToBrowserMessage = z.infer<typeof edgeToBrowserMessageSchema>;

// HTTP bodies

export const commandRequestSchema = z.strictObject({
  name: commandNameSchema,
  args: z.unknown().optional(),
  deadline_ms: z.number().int().positive().optional(),
});
export type CommandRequest = z.infer<typeof commandRequestSchema>;

export const commandResponseSchema = commandOutcome({ command_id: commandIdSchema });
export type CommandResponse = z.infer<typeof commandResponseSchema>;

export const instanceSummarySchema = z.object({
  instance_id: instanceIdSchema,
  name: z.string(),
  online: z.boolean(),
  last_seen_at: utcTimestampSchema.nullable(),
  snapshot: overviewSchema.nullable(),
});
export const instanceListSchema = z.object({ instances: z.array(instanceSummarySchema) });
export type InstanceSummary = z.infer<typeof instanceSummarySchema>;

export const errorBodySchema = z.object({ error: wireErrorSchema });
