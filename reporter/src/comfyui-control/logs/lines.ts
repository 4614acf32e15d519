/** Reading numbered lines of ComfyUI's log: the last N, those before a number, and searches. */
import { readFile, stat } from "node:fs/promises";

import type { ComfyuiLogLine } from "@comfycarry/shared";

import { countLines } from "./files.js";
import type { LogFiles } from "./files.js";

/** Maximum length of a line sent; tqdm bars and tracebacks stay far below it. */
const MAX_LINE = 8_000;

/** Shows a line the way a terminal would: tqdm redraws with `\r`, so only the last drawing is kept. */
export function displayLine(raw: string): string {
  const drawings = raw.split("\r").filter((part) => part !== "");
  return (drawings.at(-1) ?? "").slice(0, MAX_LINE);
}

interface FileLines {
  first: number;
  lines: string[];
}

export class LogLines {
  readonly #files: LogFiles;
  /** Line counts of rotated files, which never change once rotated, keyed by path, size and time. */
  readonly #counts = new Map<string, number>();

  constructor(files: LogFiles) {
    this.#files = files;
  }

  /** Returns the last `count` lines and the number one past the newest. */
  async tail(count: number): Promise<{ lines: ComfyuiLogLine[]; total: number }> {
    const total = await this.total();
    return { lines: await this.before(total, count), total };
  }

  /** Up to `count` lines numbered below `end`, oldest first. */
  async before(end: number, count: number): Promise<ComfyuiLogLine[]> {
    const wanted = Math.max(0, end - count);
    const found: ComfyuiLogLine[] = [];
    for (const file of await this.#filesWithStarts()) {
      const last = file.first + (await this.#count(file.path));
      if (last <= wanted || file.first >= end) {
        continue;
      }
      const { lines } = await this.#read(file.path, file.first);
      lines.forEach((text, index) => {
        const n = file.first + index;
        if (n >= wanted && n < end) {
          found.push({ n, text: displayLine(text) });
        }
      });
    }
    return found;
  }

  /** Lines containing `query` (any case), the newest `limit` of them, oldest first. */
  async search(query: string, limit: number): Promise<{ lines: ComfyuiLogLine[]; truncated: boolean }> {
    const needle = query.toLowerCase();
    const matches: ComfyuiLogLine[] = [];
    for (const file of await this.#filesWithStarts()) {
      const { lines } = await this.#read(file.path, file.first);
      lines.forEach((text, index) => {
        const shown = displayLine(text);
        if (shown.toLowerCase().includes(needle)) {
          matches.push({ n: file.first + index, text: shown });
        }
      });
    }
    return { lines: matches.slice(-limit), truncated: matches.length > limit };
  }

  /** Number one past the newest line. */
  async total(): Promise<number> {
    const files = await this.#filesWithStarts();
    const last = files.at(-1);
    return last === undefined ? await this.#files.droppedLines() : last.first + (await this.#count(last.path));
  }

  async #filesWithStarts(): Promise<Array<{ path: string; first: number }>> {
    let first = await this.#files.droppedLines();
    const result: Array<{ path: string; first: number }> = [];
    for (const path of await this.#files.files()) {
      result.push({ path, first });
      first += await this.#count(path);
    }
    return result;
  }

  async #count(path: string): Promise<number> {
    const info = await stat(path).catch(() => null);
    if (info === null) {
      return 0;
    }
    const key = `${path}:${info.size}:${info.mtimeMs}`;
    const known = path === this.#files.path ? undefined : this.#counts.get(key);
    if (known !== undefined) {
      return known;
    }
    const count = countLines(await readFile(path).catch(() => Buffer.alloc(0)));
    if (path !== this.#files.path) {
      this.#counts.set(key, count);
    }
    return count;
  }

  async #read(path: string, first: number): Promise<FileLines> {
    const text = await readFile(path, "utf8").catch(() => "");
    const lines = text.split("\n");
    if (lines.at(-1) === "") {
      lines.pop();
    }
    return { first, lines };
  }
}
