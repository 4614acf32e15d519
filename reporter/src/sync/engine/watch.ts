import { relative } from "node:path";

import { watch } from "chokidar";
import type { FSWatcher } from "chokidar";

import type { Logger } from "../../log/logger.js";
import { StableFiles } from "./stable-files.js";

/**
 * The watch trigger of one push rule. chokidar (v5) was picked over node:fs.watch with
 * `recursive: true`: on Linux Node emulates recursion in JavaScript and has missed
 * events in new subfolders across releases, while chokidar watches each folder itself,
 * picks up new subfolders and reports watcher errors as events.
 */

export interface RuleWatcherOptions {
  stableMs: number;
  checkEveryMs: number;
  /** Wait this long after files became ready before asking for an upload, to batch them. */
  debounceMs: number;
  /** Asks the engine for an upload run. */
  onUploadNeeded: () => void;
  log: Logger;
}

export class RuleWatcher {
  readonly files: StableFiles;
  readonly #root: string;
  readonly #options: RuleWatcherOptions;
  #watcher: FSWatcher | undefined;
  #debounce: NodeJS.Timeout | undefined;

  constructor(root: string, options: RuleWatcherOptions) {
    this.#root = root;
    this.#options = options;
    this.files = new StableFiles(root, {
      stableMs: options.stableMs,
      checkEveryMs: options.checkEveryMs,
      onReady: () => this.#scheduleUpload(),
    });
  }

  /** Starts watching; resolves once the initial scan finished. */
  async start(): Promise<void> {
    const watcher = watch(this.#root, { ignoreInitial: true, persistent: true, atomic: true });
    this.#watcher = watcher;
    watcher.on("add", (path) => this.files.noteChange(relative(this.#root, path)));
    watcher.on("change", (path) => this.files.noteChange(relative(this.#root, path)));
    watcher.on("unlink", (path) => this.files.noteRemoved(relative(this.#root, path)));
    watcher.on("error", (error) => this.#options.log.error({ err: error, root: this.#root }, "file watcher failed"));
    await new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  }

  async stop(): Promise<void> {
    clearTimeout(this.#debounce);
    this.files.stop();
    await this.#watcher?.close();
    this.#watcher = undefined;
  }

  #scheduleUpload(): void {
    clearTimeout(this.#debounce);
    this.#debounce = setTimeout(() => this.#options.onUploadNeeded(), this.#options.debounceMs);
  }
}
