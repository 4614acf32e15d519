import { existsSync } from "node:fs";
import { basename } from "node:path";

import { watch } from "chokidar";
import type { FSWatcher } from "chokidar";

import type { Logger } from "../log/logger.js";

export interface LibraryWatcherOptions {
  /** Quiet time after the last change before `onChange` runs. */
  delayMs: number;
  onChange: () => void;
  log: Logger;
}

/**
 * Watches the model folders (and extra_model_paths.yaml) and calls `onChange` once things
 * settle. Hidden files are ignored, so the download queue's temp files cause no rescans.
 */
export class LibraryWatcher {
  private watcher: FSWatcher | null = null;
  private readonly watched = new Set<string>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: LibraryWatcherOptions) {}

  /**
   * Adds paths not watched yet. Paths that do not exist are left for a later call, because
   * chokidar 5.0 reports no events at all when its first path list names a missing path.
   * Resolves once the first set of paths is being watched, so no change after it is missed.
   */
  async watch(paths: string[]): Promise<void> {
    const added = paths.filter((path) => !this.watched.has(path) && existsSync(path));
    if (added.length === 0) {
      return;
    }
    added.forEach((path) => this.watched.add(path));
    if (this.watcher !== null) {
      this.watcher.add(added);
      return;
    }
    const watcher = watch(added, { ignoreInitial: true, depth: 8, ignored: (path) => basename(path).startsWith(".") });
    this.watcher = watcher;
    watcher.on("all", () => this.schedule());
    watcher.on("error", (error) => this.options.log.warn({ err: error }, "model folder watcher failed"));
    await new Promise<void>((resolve) => watcher.once("ready", () => resolve()));
  }

  private schedule(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      this.options.onChange();
    }, this.options.delayMs);
  }

  async close(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
    }
    await this.watcher?.close();
  }
}
