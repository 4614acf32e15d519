import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";

import { writeFileAtomic } from "../fs/atomic-write.js";

/**
 * rclone.conf under the reporter's state dir. The file stays writable (mode 0600)
 * because rclone rewrites it when it refreshes OAuth tokens; its contents are secrets
 * and never reach a log line.
 */

/** One `[name]` section of rclone.conf with its key = value pairs. */
export interface ConfSection {
  name: string;
  values: Record<string, string>;
}

/** Returns the SHA-256 of `content`, hex-encoded. */
export function hashConf(content: string): string {
  return createHash("sha256").update(content, "utf8").digest("hex");
}

/**
 * Parses rclone.conf's INI format: `[name]` headers, `key = value` lines, `#` and `;`
 * comments. An encrypted config (RCLONE_ENCRYPT_V0) has no sections and parses to none.
 */
export function parseConf(content: string): ConfSection[] {
  const sections: ConfSection[] = [];
  let current: ConfSection | null = null;

  for (const rawLine of content.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) {
      continue;
    }
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      current = { name: header[1] ?? "", values: {} };
      sections.push(current);
      continue;
    }
    const separator = line.indexOf("=");
    if (current !== null && separator > 0) {
      current.values[line.slice(0, separator).trim()] = line.slice(separator + 1).trim();
    }
  }
  return sections;
}

/** The rclone.conf file the engine passes to rclone. */
export class ConfFile {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  /** Returns the file's text, or null when it does not exist. */
  async read(): Promise<string | null> {
    try {
      return await readFile(this.path, "utf8");
    } catch (error) {
      if (error instanceof Error && "code" in error && error.code === "ENOENT") {
        return null;
      }
      throw error;
    }
  }

  /** Replaces the file atomically with mode 0600. */
  async write(content: string): Promise<void> {
    await writeFileAtomic(this.path, content, 0o600);
  }

  /** Returns the SHA-256 of the file, or null when it does not exist. */
  async hash(): Promise<string | null> {
    const content = await this.read();
    return content === null ? null : hashConf(content);
  }
}
