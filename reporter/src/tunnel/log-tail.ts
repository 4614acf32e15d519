/** Following cloudflared's log file (PM2 writes stdout and stderr to one file) and keeping its last lines. */
import { open, stat } from "node:fs/promises";

/** Lines kept for the Tunnel page's log view. */
const KEPT_LINES = 1_000;
/** Bytes read per call at most, so a huge backlog cannot stall the reporter. */
const MAX_READ_BYTES = 1024 * 1024;

export class LogTail {
  readonly path: string;
  #offset = 0;
  #partial = "";
  readonly #kept: string[] = [];

  constructor(path: string) {
    this.path = path;
  }

  /** Returns the complete lines written since the last call; a truncated or replaced file is read from its start. */
  async readNew(): Promise<string[]> {
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch {
      return [];
    }
    if (size < this.#offset) {
      this.#offset = 0;
      this.#partial = "";
    }
    if (size === this.#offset) {
      return [];
    }

    const length = Math.min(size - this.#offset, MAX_READ_BYTES);
    const buffer = Buffer.alloc(length);
    const handle = await open(this.path, "r");
    try {
      await handle.read(buffer, 0, length, this.#offset);
    } finally {
      await handle.close();
    }
    this.#offset += length;

    const text = this.#partial + buffer.toString("utf8");
    const lines = text.split("\n");
    this.#partial = lines.pop() ?? "";
    const complete = lines.map((line) => line.replace(/\r$/, "")).filter((line) => line !== "");
    this.#kept.push(...complete);
    if (this.#kept.length > KEPT_LINES) {
      this.#kept.splice(0, this.#kept.length - KEPT_LINES);
    }
    return complete;
  }

  /** The last `count` lines read so far, oldest first. */
  last(count: number): string[] {
    return this.#kept.slice(-count);
  }
}
