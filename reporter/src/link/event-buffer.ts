import type { ProtocolEvent } from "@comfycarry/shared";

/** Events kept while the edge is unreachable; a minute of a busy instance fits with room to spare. */
export const DEFAULT_EVENT_BUFFER_SIZE = 2000;

/** Result of `take`: the events in the order they happened, and how many were dropped to make room. */
export interface BufferedEvents {
  events: ProtocolEvent[];
  dropped: number;
  /** When the first dropped event happened, or null when none was dropped. */
  droppedSince: string | null;
}

/**
 * Holds the events produced while the edge is not connected, up to `capacity`. When full,
 * the oldest event is dropped first and counted, because the newest ones carry the state
 * the edge and the alerts must end up with.
 */
export class EventBuffer {
  #events: ProtocolEvent[] = [];
  #dropped = 0;
  #droppedSince: string | null = null;

  constructor(readonly capacity: number = DEFAULT_EVENT_BUFFER_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`event buffer capacity must be a positive integer, got ${capacity}`);
    }
  }

  get size(): number {
    return this.#events.length;
  }

  push(event: ProtocolEvent): void {
    this.#events.push(event);
    if (this.#events.length > this.capacity) {
      const [oldest] = this.#events.splice(0, this.#events.length - this.capacity);
      this.#dropped += 1;
      this.#droppedSince ??= oldest?.at ?? null;
    }
  }

  /** Returns everything held and empties the buffer. */
  take(): BufferedEvents {
    const result = { events: this.#events, dropped: this.#dropped, droppedSince: this.#droppedSince };
    this.#events = [];
    this.#dropped = 0;
    this.#droppedSince = null;
    return result;
  }
}
