/**
 * Snapshot deltas: each snapshot on a connection gets a sequence number, the edge
 * acknowledges the ones it stored, and the next snapshot goes out as an RFC 7396 merge patch
 * against the last acknowledged one when that is smaller than the full snapshot. A patch
 * that would set a value to null is not sent, because merge patch reads null as "delete the
 * key" and the overview has nullable fields.
 */
import { generate } from "json-merge-patch";

import type { Overview, ReporterMessage } from "@comfycarry/shared";

/** Sent snapshots kept for acknowledgements; older ones are forgotten. */
const MAX_UNACKNOWLEDGED = 4;

type SnapshotFrame = Extract<ReporterMessage, { type: "snapshot" | "snapshot_delta" }>;

function containsNull(value: unknown): boolean {
  if (value === null) {
    return true;
  }
  if (typeof value !== "object") {
    return false;
  }
  return Object.values(value).some(containsNull);
}

/** Frames snapshots for one connection; a new connection starts a new one. */
export class SnapshotSequence {
  #seq = 0;
  #acknowledged: { seq: number; snapshot: Overview } | null = null;
  readonly #sent = new Map<number, Overview>();

  constructor(private readonly deltas: boolean) {}

  /** Returns the frame for `snapshot`: a delta when the edge takes deltas and it is smaller. */
  frame(snapshot: Overview): SnapshotFrame {
    this.#seq += 1;
    const seq = this.#seq;
    this.#remember(seq, snapshot);

    const full: SnapshotFrame = { type: "snapshot", snapshot, seq };
    const base = this.#acknowledged;
    if (!this.deltas || base === null) {
      return full;
    }

    const patch: unknown = generate(base.snapshot, snapshot) ?? {};
    if (typeof patch !== "object" || patch === null || Array.isArray(patch) || containsNull(patch)) {
      return full;
    }
    const delta: SnapshotFrame = { type: "snapshot_delta", seq, base_seq: base.seq, patch: { ...patch } };
    return JSON.stringify(delta).length < JSON.stringify(full).length ? delta : full;
  }

  /**
   * Records the edge's acknowledgement of `seq`. Returns false when the edge could not apply
   * it, after which the next frame is a full snapshot.
   */
  acknowledge(seq: number, ok: boolean): boolean {
    if (!ok) {
      this.#acknowledged = null;
      return false;
    }
    const snapshot = this.#sent.get(seq);
    if (snapshot !== undefined && (this.#acknowledged === null || seq > this.#acknowledged.seq)) {
      this.#acknowledged = { seq, snapshot };
    }
    return true;
  }

  #remember(seq: number, snapshot: Overview): void {
    this.#sent.set(seq, snapshot);
    for (const old of this.#sent.keys()) {
      if (this.#sent.size <= MAX_UNACKNOWLEDGED) {
        break;
      }
      this.#sent.delete(old);
    }
  }
}
