/** The in-memory copy of everything written to stdout and stderr, served by `/internal/logs`. */

/** One captured write: local ISO time with microseconds, and the text exactly as written. */
export interface LogEntry {
  t: string;
  m: string;
}

type Listener = (entries: LogEntry[]) => void;

// ComfyUI's log interceptor keeps this many writes.
const MAX_ENTRIES = 300;

/** Formats a time like Python's `datetime.now().isoformat()` (local time, microseconds). */
export function isoLocalTime(date: Date = new Date()): string {
  const pad = (value: number, width = 2): string => String(value).padStart(width, "0");
  const micros = pad(date.getMilliseconds(), 3) + pad(Number(process.hrtime.bigint() % 1000n), 3);
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${micros}`
  );
}

/** Stores recent writes and hands each batch of new ones to listeners on the next tick. */
export class LogBuffer {
  readonly entries: LogEntry[] = [];
  private pending: LogEntry[] = [];
  private flushScheduled = false;
  private readonly listeners = new Set<Listener>();

  /**
   * Records one write. A write starting with `\r` replaces the previous entry when that entry
   * did not end a line, so progress bars occupy one entry, as in ComfyUI.
   */
  record(text: string): void {
    const entry = { t: isoLocalTime(), m: text };
    const last = this.entries.at(-1);
    if (text.startsWith("\r") && last !== undefined && !last.m.endsWith("\n")) {
      this.entries.pop();
    }
    this.entries.push(entry);
    if (this.entries.length > MAX_ENTRIES) {
      this.entries.shift();
    }
    this.pending.push(entry);
    this.scheduleFlush();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) {
      return;
    }
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const batch = this.pending;
      this.pending = [];
      for (const listener of this.listeners) {
        listener(batch);
      }
    });
  }
}
