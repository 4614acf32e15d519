/** Following ComfyUI's log file and sending new lines as `log` events while someone watches. */
import { open, stat } from "node:fs/promises";

import { toUtcTimestamp } from "@comfycarry/shared";
import type { ProtocolEvent } from "@comfycarry/shared";

import type { Logger } from "../../log/logger.js";
import { displayLine } from "./lines.js";

/** Lines per event, the protocol's limit. */
const LINES_PER_EVENT = 500;
const POLL_MS = 500;

/**
 * Polls the live file's size; new complete lines go out as events until the lease ends.
 * A shrunk file (rotation) is read again from its start.
 */
export class LogFollower {
  readonly #path: string;
  readonly #emit: (event: ProtocolEvent) => void;
  readonly #log: Logger;
  #offset = 0;
  #partial = "";
  #until = 0;
  #timer: NodeJS.Timeout | null = null;
  #reading = false;

  constructor(path: string, emit: (event: ProtocolEvent) => void, log: Logger) {
    this.#path = path;
    this.#emit = emit;
    this.#log = log;
  }

  /** Follows from the current end of the file for `seconds` more (a second call extends the lease). */
  async follow(seconds: number): Promise<void> {
    this.#until = Math.max(this.#until, Date.now() + seconds * 1000);
    if (this.#timer !== null) {
      return;
    }
    this.#offset = (await stat(this.#path).catch(() => null))?.size ?? 0;
    this.#partial = "";
    this.#timer = setInterval(() => void this.#poll(), POLL_MS);
  }

  stop(): void {
    if (this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  async #poll(): Promise<void> {
    if (Date.now() > this.#until) {
      this.stop();
      return;
    }
    if (this.#reading) {
      return;
    }
    this.#reading = true;
    try {
      await this.#readNew();
    } catch (error) {
      this.#log.debug({ err: error }, "reading new ComfyUI log lines failed");
    } finally {
      this.#reading = false;
    }
  }

  async #readNew(): Promise<void> {
    const size = (await stat(this.#path).catch(() => null))?.size ?? 0;
    if (size < this.#offset) {
      this.#offset = 0;
      this.#partial = "";
    }
    if (size === this.#offset) {
      return;
    }

    const handle = await open(this.#path, "r");
    let text: string;
    try {
      const buffer = Buffer.alloc(Math.min(size - this.#offset, 4 * 1024 * 1024));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.#offset);
      this.#offset += bytesRead;
      text = this.#partial + buffer.subarray(0, bytesRead).toString("utf8");
    } finally {
      await handle.close();
    }

    const lines = text.split("\n");
    this.#partial = lines.pop() ?? "";
    for (let start = 0; start < lines.length; start += LINES_PER_EVENT) {
      this.#emit({ kind: "log", at: toUtcTimestamp(), source: "comfyui", level: "info", lines: lines.slice(start, start + LINES_PER_EVENT).map(displayLine) });
    }
  }
}
