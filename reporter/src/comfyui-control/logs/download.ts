/** The whole log, rotated files first, handed out in chunks that a browser joins into one download. */
import { open, stat } from "node:fs/promises";

import type { LogFiles } from "./files.js";

export interface LogChunk {
  text: string;
  offset: number;
  next_offset: number;
  size: number;
  eof: boolean;
}

/** Reads `length` bytes at `offset` of the joined files; a chunk never ends inside a UTF-8 character. */
export async function readChunk(files: LogFiles, offset: number, length: number): Promise<LogChunk> {
  const parts: Array<{ path: string; start: number; size: number }> = [];
  let size = 0;
  for (const path of await files.files()) {
    const fileSize = (await stat(path).catch(() => null))?.size ?? 0;
    parts.push({ path, start: size, size: fileSize });
    size += fileSize;
  }

  const end = Math.min(size, offset + length);
  const buffer = Buffer.alloc(Math.max(0, end - offset));
  for (const part of parts) {
    const from = Math.max(offset, part.start);
    const to = Math.min(end, part.start + part.size);
    if (from >= to) {
      continue;
    }
    const handle = await open(part.path, "r");
    try {
      await handle.read(buffer, from - offset, to - from, from - part.start);
    } finally {
      await handle.close();
    }
  }

  const cut = end < size ? completeLength(buffer) : buffer.length;
  const text = buffer.subarray(0, cut).toString("utf8");
  return { text, offset, next_offset: offset + cut, size, eof: offset + cut >= size };
}

/** The length of `buffer` without a UTF-8 character cut off at its end. */
function completeLength(buffer: Buffer): number {
  for (let back = 1; back <= Math.min(4, buffer.length); back += 1) {
    const byte = buffer[buffer.length - back] ?? 0;
    if ((byte & 0xc0) === 0x80) {
      continue;
    }
    const needed = byte < 0xc0 ? 1 : byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
    return back >= needed ? buffer.length : buffer.length - back;
  }
  return buffer.length;
}
