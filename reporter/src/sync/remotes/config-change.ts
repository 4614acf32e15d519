import type { Logger } from "../../log/logger.js";
import type { ConfFile } from "./conf-file.js";
import { hashConf } from "./conf-file.js";

/** A changed rclone.conf: its full text (a secret) and its hash. */
export interface ConfigChange {
  content: string;
  sha256: string;
}

/**
 * Notices when rclone rewrote rclone.conf (as it does after refreshing an OAuth token)
 * and reports the new text once, so the reporter can send it back to the edge and the
 * next instance never starts from an older copy. The engine calls `check()` after every
 * rclone run; a write made through `write()` is not reported, because it came from the
 * edge.
 */
export class ConfigChangeDetector {
  readonly #file: ConfFile;
  readonly #onChange: (change: ConfigChange) => void;
  readonly #log: Logger;
  #knownHash: string | null = null;

  constructor(file: ConfFile, onChange: (change: ConfigChange) => void, log: Logger) {
    this.#file = file;
    this.#onChange = onChange;
    this.#log = log;
  }

  /** Records the current file as the known one. */
  async prime(): Promise<void> {
    this.#knownHash = await this.#file.hash();
  }

  /** Writes a config received from the edge and records it as known. */
  async write(content: string): Promise<void> {
    await this.#file.write(content);
    this.#knownHash = hashConf(content);
  }

  /** Compares the file with the known one and reports a change; returns whether it changed. */
  async check(): Promise<boolean> {
    const content = await this.#file.read();
    if (content === null) {
      return false;
    }
    const sha256 = hashConf(content);
    if (sha256 === this.#knownHash) {
      return false;
    }
    this.#knownHash = sha256;
    this.#log.info({ sha256 }, "rclone rewrote rclone.conf; reporting the new version");
    this.#onChange({ content, sha256 });
    return true;
  }
}
