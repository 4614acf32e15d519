/** The log commands and the rotation timer, over one persisted log file. */
import type { ProtocolEvent } from "@comfycarry/shared";

import type { Logger } from "../../log/logger.js";
import type { LogChunk } from "./download.js";
import { readChunk } from "./download.js";
import { LogFiles } from "./files.js";
import { LogFollower } from "./follow.js";
import { LogLines } from "./lines.js";

const ROTATE_CHECK_MS = 60_000;

export interface LogServiceOptions {
  path: string;
  maxBytes: number;
  keep: number;
  /** Makes PM2 reopen the file after a rotation. */
  reopen: () => Promise<void>;
  emit: (event: ProtocolEvent) => void;
  log: Logger;
}

export class LogService {
  readonly files: LogFiles;
  readonly lines: LogLines;
  readonly #follower: LogFollower;
  readonly #options: LogServiceOptions;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: LogServiceOptions) {
    this.#options = options;
    this.files = new LogFiles(options.path, options.maxBytes, options.keep);
    this.lines = new LogLines(this.files);
    this.#follower = new LogFollower(options.path, options.emit, options.log);
  }

  start(): void {
    this.#timer = setInterval(() => void this.rotate(), ROTATE_CHECK_MS);
  }

  stop(): void {
    if (this.#timer !== null) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
    this.#follower.stop();
  }

  /** Rotates an oversized file; PM2 keeps writing to the renamed one until told to reopen. */
  async rotate(): Promise<void> {
    try {
      if (await this.files.rotateIfLarge()) {
        await this.#options.reopen();
        this.#options.log.info({ path: this.#options.path }, "ComfyUI log rotated");
      }
    } catch (error) {
      this.#options.log.warn({ err: error, path: this.#options.path }, "rotating the ComfyUI log failed");
    }
  }

  /** The last lines; with `followS`, new lines follow as `log` events. Following starts first, so no line falls between. */
  async tail(count: number, followS: number | null): Promise<Awaited<ReturnType<LogLines["tail"]>>> {
    if (followS !== null) {
      await this.#follower.follow(followS);
    }
    return this.lines.tail(count);
  }

  download(offset: number, length: number): Promise<LogChunk> {
    return readChunk(this.files, offset, length);
  }
}
