/**
 * ComfyUI's log on disk: `comfyui.log` (PM2 appends both streams to it) and rotated copies
 * `comfyui.log.1` (newest) to `comfyui.log.<keep>`. Rotation keeps a crash's traceback across
 * restarts, and `rotation.json` counts the lines of dropped files so line numbers stay stable.
 */
import { readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";

import { parseFrame } from "@comfycarry/shared";
import writeFileAtomic from "write-file-atomic";
import { z } from "zod";

const rotationSchema = z.object({ dropped_lines: z.number().int().nonnegative() });

export class LogFiles {
  readonly path: string;
  readonly #maxBytes: number;
  readonly #keep: number;

  constructor(path: string, maxBytes: number, keep: number) {
    this.path = path;
    this.#maxBytes = maxBytes;
    this.#keep = keep;
  }

  /** Existing files, oldest first, the live file last. */
  async files(): Promise<string[]> {
    const candidates = [...Array.from({ length: this.#keep }, (_, index) => `${this.path}.${this.#keep - index}`), this.path];
    const present: string[] = [];
    for (const file of candidates) {
      if (await exists(file)) {
        present.push(file);
      }
    }
    return present;
  }

  /** Lines in files that rotation deleted; the first kept line has this number. */
  async droppedLines(): Promise<number> {
    const text = await readFile(this.#rotationFile(), "utf8").catch(() => null);
    if (text === null) {
      return 0;
    }
    const parsed = parseFrame(rotationSchema, text);
    return parsed.ok ? parsed.value.dropped_lines : 0;
  }

  /**
   * Renames the live file to `.1` (shifting the others) when it is over the size limit.
   * Returns true when it rotated; the caller then makes PM2 reopen the file.
   */
  async rotateIfLarge(): Promise<boolean> {
    const size = await stat(this.path).then(
      (found) => found.size,
      () => 0,
    );
    if (size <= this.#maxBytes) {
      return false;
    }

    const oldest = `${this.path}.${this.#keep}`;
    if (await exists(oldest)) {
      const dropped = (await this.droppedLines()) + countLines(await readFile(oldest));
      await rm(oldest);
      await writeFileAtomic(this.#rotationFile(), JSON.stringify({ dropped_lines: dropped }));
    }
    for (let index = this.#keep - 1; index >= 1; index -= 1) {
      const from = `${this.path}.${index}`;
      if (await exists(from)) {
        await rename(from, `${this.path}.${index + 1}`);
      }
    }
    await rename(this.path, `${this.path}.1`);
    return true;
  }

  #rotationFile(): string {
    return join(dirname(this.path), "rotation.json");
  }
}

/** Counts lines, a last line without a newline included. */
export function countLines(bytes: Buffer): number {
  let count = 0;
  for (const byte of bytes) {
    if (byte === 0x0a) {
      count += 1;
    }
  }
  return bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a ? count + 1 : count;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
