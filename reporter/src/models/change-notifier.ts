import { toUtcTimestamp } from "@comfycarry/shared";
import type { ProtocolEvent } from "@comfycarry/shared";

type Reason = Extract<ProtocolEvent, { kind: "models.library.changed" }>["reason"];

/** Minimum time between two change events of the same reason; hashing a folder of small files would otherwise send one per file. */
const INTERVAL_MS = 1_000;

/** Sends `models.library.changed` at most once a second per reason, with the count of changes since the last one. */
export class ChangeNotifier {
  private readonly pending = new Map<Reason, number>();
  private readonly lastSent = new Map<Reason, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly emit: (event: ProtocolEvent) => void) {}

  note(reason: Reason, count: number): void {
    this.pending.set(reason, (this.pending.get(reason) ?? 0) + count);
    const wait = (this.lastSent.get(reason) ?? 0) + INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.flush();
    } else {
      this.timer ??= setTimeout(() => this.flush(), wait);
    }
  }

  /** Sends every pending change now. */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    for (const [reason, count] of this.pending) {
      this.emit({ kind: "models.library.changed", at: toUtcTimestamp(), reason, count });
      this.lastSent.set(reason, Date.now());
    }
    this.pending.clear();
  }
}
