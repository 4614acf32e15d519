/**
 * The prompt queue and history. Pending items live in a binary min-heap with Python `heapq`'s
 * exact algorithm, so `/queue` lists them in the same array order ComfyUI does.
 */
import { PyFloat, type PyDict, type PyValue } from "../py/value.js";

export interface QueueItem {
  number: number | PyFloat;
  promptId: string;
  prompt: PyDict;
  extraData: PyDict;
  outputs: string[];
}

export interface HistoryEntry {
  item: QueueItem;
  outputs: PyDict;
  status: { statusStr: "success" | "error"; completed: boolean; messages: Array<[string, PyDict]> };
  meta: PyDict;
}

// ComfyUI's MAXIMUM_HISTORY_SIZE.
const MAX_HISTORY = 10_000;

export function itemTuple(item: QueueItem): PyValue[] {
  return [item.number, item.promptId, item.prompt, item.extraData, item.outputs];
}

function numberOf(value: number | PyFloat): number {
  return value instanceof PyFloat ? value.value : value;
}

function lessThan(left: QueueItem, right: QueueItem): boolean {
  const a = numberOf(left.number);
  const b = numberOf(right.number);
  if (a !== b) {
    return a < b;
  }
  return left.promptId < right.promptId;
}

export class PromptQueue {
  readonly pending: QueueItem[] = [];
  running: QueueItem | null = null;
  readonly history = new Map<string, HistoryEntry>();
  private readonly flags = new Map<string, boolean>();
  private waiters: Array<() => void> = [];

  constructor(private readonly onChange: () => void) {}

  remaining(): number {
    return this.pending.length + (this.running === null ? 0 : 1);
  }

  put(item: QueueItem): void {
    this.pending.push(item);
    this.siftDown(0, this.pending.length - 1);
    this.onChange();
    this.wake();
  }

  /** Waits for the next item, marks it running and reports the queue change. */
  async take(): Promise<QueueItem> {
    while (this.pending.length === 0) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    const item = this.popHeap();
    this.running = item;
    this.onChange();
    return item;
  }

  /** Writes the finished item to history, clears the running slot and reports the change. */
  finish(entry: HistoryEntry): void {
    if (this.history.size >= MAX_HISTORY) {
      const oldest = this.history.keys().next();
      if (oldest.done !== true) {
        this.history.delete(oldest.value);
      }
    }
    this.history.delete(entry.item.promptId);
    this.history.set(entry.item.promptId, entry);
    this.running = null;
    this.onChange();
  }

  /** Empties the pending list; the running item stays. */
  wipe(): void {
    this.pending.length = 0;
    this.onChange();
  }

  /** Removes the first pending item with this id, as ComfyUI's `delete_queue_item` does. */
  deletePending(promptId: string): boolean {
    const index = this.pending.findIndex((item) => item.promptId === promptId);
    if (index < 0) {
      return false;
    }
    if (this.pending.length === 1) {
      this.wipe();
      return true;
    }
    this.pending.splice(index, 1);
    this.heapify();
    this.onChange();
    return true;
  }

  setFlag(name: string, value: boolean): void {
    this.flags.set(name, value);
    this.wake();
  }

  /** Returns and clears the flags set by `/free`. */
  takeFlags(): Map<string, boolean> {
    const copy = new Map(this.flags);
    this.flags.clear();
    return copy;
  }

  hasFlags(): boolean {
    return this.flags.size > 0;
  }

  /** Resolves when an item or a flag arrives. */
  async waitForWork(): Promise<void> {
    if (this.pending.length > 0 || this.flags.size > 0) {
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) {
      resolve();
    }
  }

  // heapq._siftdown: move the new item at `position` up towards `start`.
  private siftDown(start: number, position: number): void {
    const heap = this.pending;
    const item = heap[position];
    if (item === undefined) {
      return;
    }
    let current = position;
    while (current > start) {
      const parentPosition = (current - 1) >> 1;
      const parent = heap[parentPosition];
      if (parent === undefined || !lessThan(item, parent)) {
        break;
      }
      heap[current] = parent;
      current = parentPosition;
    }
    heap[current] = item;
  }

  // heapq._siftup: move the smaller child up until a leaf, then sift the item down.
  private siftUp(position: number): void {
    const heap = this.pending;
    const end = heap.length;
    const start = position;
    const item = heap[position];
    if (item === undefined) {
      return;
    }
    let current = position;
    let child = 2 * current + 1;
    while (child < end) {
      const right = child + 1;
      const childItem = heap[child];
      const rightItem = heap[right];
      if (right < end && childItem !== undefined && rightItem !== undefined && !lessThan(childItem, rightItem)) {
        child = right;
      }
      const chosen = heap[child];
      if (chosen === undefined) {
        break;
      }
      heap[current] = chosen;
      current = child;
      child = 2 * current + 1;
    }
    heap[current] = item;
    this.siftDown(start, current);
  }

  private popHeap(): QueueItem {
    const heap = this.pending;
    const last = heap.pop();
    if (last === undefined) {
      throw new Error("popHeap called on an empty queue");
    }
    const first = heap[0];
    if (first === undefined) {
      return last;
    }
    heap[0] = last;
    this.siftUp(0);
    return first;
  }

  private heapify(): void {
    for (let index = (this.pending.length >> 1) - 1; index >= 0; index -= 1) {
      this.siftUp(index);
    }
  }
}
