/** The saved launch options: one JSON file, replaced atomically so a crash never leaves half a file. */
import { readFile } from "node:fs/promises";

import { launchOptionsSchema, parseFrame } from "@comfycarry/shared";
import type { LaunchOptions } from "@comfycarry/shared";
import writeFileAtomic from "write-file-atomic";

import type { Logger } from "../../log/logger.js";

export class LaunchStore {
  readonly #path: string;
  readonly #log: Logger;

  constructor(path: string, log: Logger) {
    this.#path = path;
    this.#log = log;
  }

  /** Returns the saved options, or the defaults when none were saved or the file does not parse. */
  async load(): Promise<LaunchOptions> {
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch {
      return launchOptionsSchema.parse({});
    }

    const parsed = parseFrame(launchOptionsSchema, text);
    if (!parsed.ok) {
      this.#log.warn({ path: this.#path, issues: parsed.issues }, "saved launch options do not parse; using the defaults");
      return launchOptionsSchema.parse({});
    }
    return parsed.value;
  }

  /** Writes a temporary file beside the target, syncs it, then renames it over the target. */
  async save(options: LaunchOptions): Promise<void> {
    await writeFileAtomic(this.#path, `${JSON.stringify(options, null, 2)}\n`, { mode: 0o600 });
  }
}
