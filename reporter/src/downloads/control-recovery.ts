import { open, rename, writeFile } from "node:fs/promises";

import { BLOCK_LENGTH, readControlFile, serializeControlFile } from "./control-file.js";
import type { ControlFileInfo, InFlightPiece } from "./control-file.js";

/** Bytes at the end of a block that must not all be zero for the block to count as written. */
const TAIL_BYTES = 8;

export interface Recovery {
  /** Bytes the control file now counts that it did not count before. */
  recoveredBytes: number;
}

/**
 * aria2 rewrites a control file only once a second, so a kill -9 loses the record of up to a
 * second of blocks that are already on disk, and the resumed download would fetch them again. This
 * finds those blocks in the partial file and adds them to the control file before aria2
 * resumes.
 *
 * What makes a block trustworthy: aria2 runs with `--file-allocation=none` and
 * `--disk-cache=0`, so unwritten ranges read as zeros, and each piece is written by one
 * connection in stream order. A block with a non-zero byte followed by later data in the
 * same piece, or whose last bytes are non-zero, was written in full. A block that is all
 * zeros is left for aria2 to fetch again, so a legitimately zero block costs a few KiB,
 * never a wrong file; the final SHA-256 check still guards the whole file.
 *
 * Every piece the control file does not mark complete is read up to the file's end: a
 * connection may have started a new piece anywhere in the gap since the last save. Holes
 * read fast, and the zero test is a native compare.
 */
export async function recoverWrittenBlocks(tempPath: string, controlPath: string, expectedTotal: number | null): Promise<Recovery> {
  const control = await readControlFile(controlPath, expectedTotal);
  if (control === null) {
    return { recoveredBytes: 0 };
  }

  const pieces = Math.ceil(control.totalLength / control.pieceLength);
  const inFlight = new Map(control.inFlight.map((piece) => [piece.index, piece]));
  const bitfield = Buffer.from(control.bitfield);
  let recoveredBytes = 0;

  const file = await open(tempPath, "r");
  try {
    // With --file-allocation=none nothing lies past the file's end, so that part needs no read.
    const size = (await file.stat()).size;
    const buffer = Buffer.alloc(control.pieceLength);
    for (let index = 0; index < pieces && index * control.pieceLength < size; index += 1) {
      if (isSet(bitfield, index)) {
        continue;
      }
      const length = pieceLength(control, index);
      const { bytesRead } = await file.read(buffer, 0, length, index * control.pieceLength);
      buffer.fill(0, bytesRead, length);

      const before = inFlight.get(index);
      const blocks = writtenBlocks(buffer.subarray(0, length), before);
      const gained = countedBytes(blocks, length) - (before === undefined ? 0 : countedBytes(before.blocks, length));
      if (gained === 0) {
        continue;
      }
      recoveredBytes += gained;

      if (allSet(blocks, blockCount(length))) {
        setBit(bitfield, index);
        inFlight.delete(index);
      } else {
        inFlight.set(index, { index, length, blocks });
      }
    }
  } finally {
    await file.close();
  }

  if (recoveredBytes > 0) {
    const next = { ...control, bitfield, inFlight: [...inFlight.values()].sort((a, b) => a.index - b.index) };
    const staging = `${controlPath}.recovering`;
    await writeFile(staging, serializeControlFile(next));
    await rename(staging, controlPath);
  }
  return { recoveredBytes };
}

/** Returns one piece's block bits: those the old control file set plus those the data proves. */
function writtenBlocks(piece: Buffer, before: InFlightPiece | undefined): Buffer {
  const count = blockCount(piece.length);
  const blocks = Buffer.alloc(Math.ceil(count / 8));
  if (before !== undefined) {
    before.blocks.copy(blocks);
  }

  let lastWithData = -1;
  for (let block = 0; block < count; block += 1) {
    if (hasData(piece.subarray(block * BLOCK_LENGTH, (block + 1) * BLOCK_LENGTH))) {
      lastWithData = block;
    }
  }
  for (let block = 0; block <= lastWithData; block += 1) {
    const bytes = piece.subarray(block * BLOCK_LENGTH, (block + 1) * BLOCK_LENGTH);
    const followed = block < lastWithData;
    if (hasData(bytes) && (followed || hasData(bytes.subarray(Math.max(0, bytes.length - TAIL_BYTES))))) {
      setBit(blocks, block);
    }
  }
  return blocks;
}

const ZEROS = Buffer.alloc(BLOCK_LENGTH);

function hasData(bytes: Buffer): boolean {
  return !bytes.equals(ZEROS.subarray(0, bytes.length));
}

function countedBytes(blocks: Buffer, length: number): number {
  let bytes = 0;
  for (let block = 0; block < blockCount(length); block += 1) {
    if (isSet(blocks, block)) {
      bytes += Math.min(BLOCK_LENGTH, length - block * BLOCK_LENGTH);
    }
  }
  return bytes;
}

function pieceLength(control: ControlFileInfo, index: number): number {
  return Math.min(control.pieceLength, control.totalLength - index * control.pieceLength);
}

function blockCount(length: number): number {
  return Math.ceil(length / BLOCK_LENGTH);
}

function allSet(bits: Buffer, count: number): boolean {
  for (let index = 0; index < count; index += 1) {
    if (!isSet(bits, index)) {
      return false;
    }
  }
  return true;
}

function isSet(bits: Buffer, index: number): boolean {
  return ((bits[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0;
}

function setBit(bits: Buffer, index: number): void {
  bits[index >> 3] = (bits[index >> 3] ?? 0) | (0x80 >> (index & 7));
}
