/**
 * @module Per-socket facts kept with each hibernatable WebSocket (`serializeAttachment`, at most
 * 16 KiB), so they survive hibernation while the object's fields do not. Each read is parsed,
 * and a socket whose attachment does not parse is treated as unknown rather than trusted.
 */
import { z } from "zod";

import { socketActorSchema } from "../auth/actor.js";

export const reporterAttachmentSchema = z.object({
  role: z.literal("reporter"),
  connectionId: z.string(),
  connectedAt: z.number(),
  /** Epoch ms of the last frame of any kind; the heartbeat judges liveness from it. */
  lastSeenAt: z.number(),
  /** Epoch ms of the accepted `hello`, or null until the socket sends hello. */
  helloAt: z.number().nullable(),
  reporterVersion: z.string().nullable(),
  /** Frames that did not parse or were too large; the socket is closed when it reaches the limit. */
  invalidFrames: z.number().int().nonnegative(),
  /** Whether its hello listed held secrets, i.e. the reporter takes `secrets.set` and `secrets.clear`. */
  takesTokens: z.boolean().default(false),
  /** Whether its hello reported rclone.conf, i.e. cloud sync runs there and takes `sync.config.set`. */
  takesConf: z.boolean().default(false),
  /** Number of the last snapshot stored from this connection, the base its deltas must name. */
  snapshotSeq: z.number().int().nullable().default(null),
  /** Time of the last history sample stored from this connection, so history needs no lookup after hibernation. */
  lastSampleAt: z.number().nullable().default(null),
  /**
   * Newest snapshot from this connection while it is not yet in storage (see held-snapshot.ts).
   * The overview is parsed when read, not with every attachment.
   */
  heldSnapshot: z.object({ receivedAt: z.number(), overview: z.unknown() }).nullable().default(null),
  /** Epoch ms at which this connection last wrote the stored snapshot, or null before its first. */
  persistedAt: z.number().nullable().default(null),
});
export type ReporterAttachment = z.infer<typeof reporterAttachmentSchema>;

export const browserAttachmentSchema = z.object({
  role: z.literal("browser"),
  connectionId: z.string(),
  connectedAt: z.number(),
  /** Who opened the socket; sockets from before scopes existed were owner sessions. */
  actor: socketActorSchema.default({ kind: "owner", name: "owner", scope: "admin" }),
});
export type BrowserAttachment = z.infer<typeof browserAttachmentSchema>;

const attachmentSchema = z.discriminatedUnion("role", [reporterAttachmentSchema, browserAttachmentSchema]);
export type SocketAttachment = z.infer<typeof attachmentSchema>;

/** Returns the socket's parsed attachment, or null when it has none or it does not parse. */
export function readAttachment(ws: WebSocket): SocketAttachment | null {
  const parsed = attachmentSchema.safeParse(ws.deserializeAttachment());
  return parsed.success ? parsed.data : null;
}

/** Stores `attachment` with the socket. */
export function writeAttachment(ws: WebSocket, attachment: SocketAttachment): void {
  ws.serializeAttachment(attachment);
}
