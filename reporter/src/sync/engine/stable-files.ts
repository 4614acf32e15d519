import { stat } from "node:fs/promises";
import { join } from "node:path";

/**
 * Tracks changed files of a watched folder until they stop changing. A file counts as
 * stable once its size and mtime stayed the same across checks for `stableMs`, so a
 * file still being written is never handed to rclone half-done. Stable files wait in
 * the ready set until an upload that covered their current version succeeds.
 */

export interface StableFilesOptions {
  /** How long size and mtime must stay unchanged, in ms. */
  stableMs: number;
  /** How often pending files are checked, in ms. */
  checkEveryMs: number;
  /** Called when files became ready. */
  onReady: () => void;
}

interface Pending {
  size: number;
  mtimeMs: number;
  changedAt: number;
  version: number;
}

/** The files an upload run takes, with the version of each at that time. */
export interface Batch {
  files: string[];
  versions: Map<string, number>;
}

export class StableFiles {
  readonly #root: string;
  readonly #options: StableFilesOptions;
  readonly #pending = new Map<string, Pending>();
  readonly #ready = new Map<string, number>();
  #version = 0;
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(root: string, options: StableFilesOptions) {
    this.#root = root;
    this.#options = options;
  }

  /** Files changed but not yet uploaded (still changing or waiting for upload). */
  get unsyncedCount(): number {
    return this.#pending.size + this.#ready.size;
  }

  get readyCount(): number {
    return this.#ready.size;
  }

  /** Records a create or change event for `relativePath`. */
  noteChange(relativePath: string): void {
    this.#version += 1;
    this.#ready.delete(relativePath);
    this.#pending.set(relativePath, { size: -1, mtimeMs: -1, changedAt: Date.now(), version: this.#version });
    this.#ensureTimer();
  }

  /** Forgets a deleted file; push rules with copy never delete on the remote. */
  noteRemoved(relativePath: string): void {
    this.#pending.delete(relativePath);
    this.#ready.delete(relativePath);
  }

  /** Returns the ready files for one upload run. */
  takeBatch(): Batch {
    return { files: [...this.#ready.keys()], versions: new Map(this.#ready) };
  }

  /** Drops the files of a successful upload, unless they changed again since. */
  settle(batch: Batch): void {
    for (const [file, version] of batch.versions) {
      if (this.#ready.get(file) === version) {
        this.#ready.delete(file);
      }
    }
  }

  /** Drops every file that has not changed since `before` (after a full run covered them). */
  settleAllUpTo(versionBefore: number): void {
    for (const [file, version] of this.#ready) {
      if (version <= versionBefore) {
        this.#ready.delete(file);
      }
    }
  }

  /** The current change counter; pass it to settleAllUpTo after a full run. */
  get version(): number {
    return this.#version;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #ensureTimer(): void {
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => void this.#check(), this.#options.checkEveryMs);
    }
  }

  async #check(): Promise<void> {
    if (this.#checking) {
      return;
    }
    this.#checking = true;
    let becameReady = false;
    try {
      const now = Date.now();
      for (const [file, entry] of [...this.#pending]) {
        const stats = await stat(join(this.#root, file)).catch(() => null);
        if (stats === null || !stats.isFile()) {
          this.#pending.delete(file);
          continue;
        }
        if (stats.size !== entry.size || stats.mtimeMs !== entry.mtimeMs) {
          entry.size = stats.size;
          entry.mtimeMs = stats.mtimeMs;
          entry.changedAt = Math.max(entry.changedAt, now);
          continue;
        }
        if (now - entry.changedAt >= this.#options.stableMs && this.#pending.get(file) === entry) {
          this.#pending.delete(file);
          this.#ready.set(file, entry.version);
          becameReady = true;
        }
      }
    } finally {
      this.#checking = false;
    }
    if (this.#pending.size === 0) {
      this.stop();
    }
    if (becameReady) {
      this.#options.onReady();
    }
  }
}
