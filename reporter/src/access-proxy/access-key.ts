import { readFile } from "node:fs/promises";
import { join } from "node:path";

import writeFileAtomic from "write-file-atomic";

import type { Logger } from "../log/logger.js";
import type { AccessEdge } from "./edge-client.js";

const KEY_FILE = "access-key";
const KEY_BYTES = 32;

/** Delays between attempts to fetch the key while the edge cannot be reached, in ms; the last one repeats. */
const RETRY_DELAYS_MS = [2_000, 5_000, 15_000, 60_000];

/**
 * The instance's access key, which signs dashboard tickets. It comes from the edge at start and
 * is kept in the state dir (mode 0600), so logins keep working when the reporter starts while
 * the edge is down. Until a key is known every ticket is rejected.
 */
export class AccessKey {
  readonly #edge: AccessEdge;
  readonly #path: string;
  readonly #log: Logger;
  #key: Buffer | null = null;
  #timer: NodeJS.Timeout | null = null;
  #attempt = 0;
  #stopped = false;

  constructor(options: { edge: AccessEdge; stateDir: string; log: Logger }) {
    this.#edge = options.edge;
    this.#path = join(options.stateDir, KEY_FILE);
    this.#log = options.log;
  }

  /** Returns the key, or null until one was read or fetched. */
  current(): Buffer | null {
    return this.#key;
  }

  /** Reads the stored key, then fetches the current one from the edge in the background, retrying until it arrives. */
  async start(): Promise<void> {
    this.#key = await this.#readStored();
    void this.#fetch();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  async #fetch(): Promise<void> {
    try {
      const key = await this.#edge.fetchKey();
      if (key.length !== KEY_BYTES) {
        throw new Error(`the access key from the edge has ${key.length} bytes instead of ${KEY_BYTES}`);
      }
      if (this.#stopped) {
        return;
      }
      const changed = this.#key === null || !this.#key.equals(key);
      this.#key = key;
      if (changed) {
        await writeFileAtomic(this.#path, key.toString("base64url"), { mode: 0o600 });
        this.#log.info("stored the access key from the edge");
      }
    } catch (error) {
      if (this.#stopped) {
        return;
      }
      const delayMs = RETRY_DELAYS_MS[Math.min(this.#attempt, RETRY_DELAYS_MS.length - 1)] ?? 60_000;
      this.#attempt += 1;
      this.#log.warn({ err: error, attempt: this.#attempt, retryInMs: delayMs, haveStoredKey: this.#key !== null }, "fetching the access key from the edge failed; retrying");
      this.#timer = setTimeout(() => void this.#fetch(), delayMs);
    }
  }

  async #readStored(): Promise<Buffer | null> {
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        this.#log.warn({ err: error, path: this.#path }, "the stored access key could not be read; waiting for the edge");
      }
      return null;
    }
    const key = Buffer.from(text.trim(), "base64url");
    if (key.length !== KEY_BYTES) {
      this.#log.warn({ path: this.#path, bytes: key.length }, "the stored access key has the wrong length; waiting for the edge");
      return null;
    }
    return key;
  }
}
