import { readFile, rm } from "node:fs/promises";

import type { Logger } from "../../log/logger.js";
import { writeFileAtomic } from "../fs/atomic-write.js";
import { hashConf } from "../remotes/conf-file.js";
import type { ConfFile } from "../remotes/conf-file.js";

/** The edge as the upload needs it: whether it stores secret updates, and a way to send one. */
export interface SecretChannel {
  supportsSecretUpdate(): boolean;
  /** Resolves true once the frame was written to the socket. */
  sendSecretUpdate(update: { name: "rclone_conf"; content: string; sha256: string }): Promise<boolean>;
}

/**
 * Sends a changed rclone.conf to the edge so the next container starts from it. A
 * change waits in a marker file until an edge that stores secret updates is connected,
 * so a token refresh during an outage or a restart is still delivered. The marker holds
 * only the hash.
 */
export class ConfUpload {
  readonly #conf: ConfFile;
  readonly #markerPath: string;
  readonly #channel: SecretChannel;
  readonly #log: Logger;
  #flushing: Promise<void> | null = null;

  constructor(conf: ConfFile, markerPath: string, channel: SecretChannel, log: Logger) {
    this.#conf = conf;
    this.#markerPath = markerPath;
    this.#channel = channel;
    this.#log = log;
  }

  /** Records that rclone.conf changed and tries to send it now. */
  async changed(sha256: string): Promise<void> {
    await writeFileAtomic(this.#markerPath, `${sha256}\n`, 0o600);
    await this.flush();
  }

  /** Whether a change is waiting to be sent. */
  async pending(): Promise<boolean> {
    return (await this.#readMarker()) !== null;
  }

  /** Sends the current file when a change is waiting and the edge stores secret updates. */
  flush(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = null;
    });
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    if ((await this.#readMarker()) === null) {
      return;
    }
    if (!this.#channel.supportsSecretUpdate()) {
      this.#log.info("rclone.conf changed; waiting for an edge that stores secret updates");
      return;
    }
    const content = await this.#conf.read();
    if (content === null) {
      return;
    }

    const sha256 = hashConf(content);
    const sent = await this.#channel.sendSecretUpdate({ name: "rclone_conf", content, sha256 });
    if (!sent) {
      this.#log.warn({ sha256 }, "sending rclone.conf to the edge failed; retrying on the next connection");
      return;
    }
    // A rewrite during the send leaves a newer hash in the file; keep the marker for it.
    if (hashConf((await this.#conf.read()) ?? "") === sha256) {
      await rm(this.#markerPath, { force: true });
    }
    this.#log.info({ sha256 }, "sent rclone.conf to the edge");
  }

  async #readMarker(): Promise<string | null> {
    try {
      return (await readFile(this.#markerPath, "utf8")).trim();
    } catch (error) {
      if (error instanceof Error && "code" in error && error.code === "ENOENT") {
        return null;
      }
      throw error;
    }
  }
}
