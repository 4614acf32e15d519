/**
 * @module What an instance object keeps in its SQLite-backed storage through the synchronous
 * KV API: who it is, the state of the reporter link, and the latest snapshot. Each record
 * carries a format version and is parsed on read, so a format change fails loudly.
 */
import { instanceIdSchema, overviewSchema, utcTimestampSchema } from "@comfycarry/shared";
import type { Overview } from "@comfycarry/shared";
import { z } from "zod";

const META_KEY = "meta";
const LINK_KEY = "link";
const SNAPSHOT_KEY = "snapshot";

// Increment a record's version whenever its shape changes.
const metaSchema = z.object({
  version: z.literal(1),
  instanceId: instanceIdSchema,
  name: z.string(),
  registeredAt: utcTimestampSchema,
});
export type InstanceMeta = z.infer<typeof metaSchema>;

const linkSchema = z.object({
  version: z.literal(1),
  /** Last frame from a reporter, as of the last time the link record was written. */
  lastSeenAt: utcTimestampSchema.nullable(),
  /** Null while a reporter is connected; otherwise when the link was judged lost. */
  offlineSince: utcTimestampSchema.nullable(),
});
export type LinkRecord = z.infer<typeof linkSchema>;

const snapshotRecordSchema = z.object({
  version: z.literal(1),
  /** Epoch ms at which the edge received the snapshot; its age is measured on the edge's clock. */
  receivedAt: z.number(),
  overview: overviewSchema,
});
export type SnapshotRecord = z.infer<typeof snapshotRecordSchema>;

function readRecord<S extends z.ZodType>(kv: SyncKvStorage, key: string, schema: S): z.infer<S> | null {
  const value: unknown = kv.get(key);
  if (value === undefined) {
    return null;
  }
  return schema.parse(value);
}

export class InstanceStore {
  /** `held` returns a newer snapshot kept outside storage (the active reporter's, see held-snapshot.ts), or null. */
  constructor(
    private readonly kv: SyncKvStorage,
    private readonly held: () => SnapshotRecord | null = () => null,
  ) {}

  /** Returns who this object is, or null when no instance was enrolled under its name. */
  meta(): InstanceMeta | null {
    return readRecord(this.kv, META_KEY, metaSchema);
  }

  /** Records the enrolled instance; the link starts offline since enrollment. */
  register(instanceId: string, name: string, registeredAt: string): void {
    this.kv.put(META_KEY, { version: 1, instanceId, name, registeredAt } satisfies InstanceMeta);
    if (this.kv.get(LINK_KEY) === undefined) {
      this.kv.put(LINK_KEY, { version: 1, lastSeenAt: null, offlineSince: registeredAt } satisfies LinkRecord);
    }
  }

  link(): LinkRecord {
    return readRecord(this.kv, LINK_KEY, linkSchema) ?? { version: 1, lastSeenAt: null, offlineSince: null };
  }

  /** Records that a reporter is connected and was heard from at `lastSeenAt`. */
  markOnline(lastSeenAt: string): void {
    this.kv.put(LINK_KEY, { version: 1, lastSeenAt, offlineSince: null } satisfies LinkRecord);
  }

  /** Records that the link was lost at `offlineSince`. */
  markOffline(lastSeenAt: string | null, offlineSince: string): void {
    this.kv.put(LINK_KEY, { version: 1, lastSeenAt, offlineSince } satisfies LinkRecord);
  }

  /** Returns the newest snapshot: the held one when it is newer than the stored one. */
  snapshot(): SnapshotRecord | null {
    const stored = this.storedSnapshot();
    const held = this.held();
    return held !== null && (stored === null || held.receivedAt > stored.receivedAt) ? held : stored;
  }

  /** Returns the snapshot in storage, which may be older than {@link snapshot}'s. */
  storedSnapshot(): SnapshotRecord | null {
    return readRecord(this.kv, SNAPSHOT_KEY, snapshotRecordSchema);
  }

  /** Replaces the stored snapshot. */
  saveSnapshot(overview: Overview, receivedAt: number): void {
    this.kv.put(SNAPSHOT_KEY, { version: 1, receivedAt, overview } satisfies SnapshotRecord);
  }
}
