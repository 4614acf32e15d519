import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { BLOCK_LENGTH, parseControlFile, serializeControlFile } from "../../src/downloads/control-file.js";
import { recoverWrittenBlocks } from "../../src/downloads/control-recovery.js";

const PIECE = 1024 * 1024;
const TOTAL = 4 * PIECE;
const BLOCKS_PER_PIECE = PIECE / BLOCK_LENGTH;

/** Random bytes with no zero byte, so every written block is recognisable. */
function data(length: number): Buffer {
  const bytes = randomBytes(length);
  for (let index = 0; index < bytes.length; index += 1) {
    if (bytes[index] === 0) {
      bytes[index] = 1;
    }
  }
  return bytes;
}

function control(completePieces: number[], inFlight: { index: number; blocks: number }[] = []): Buffer {
  const bitfield = Buffer.alloc(1);
  for (const piece of completePieces) {
    bitfield[0] = (bitfield[0] ?? 0) | (0x80 >> piece);
  }
  return serializeControlFile({
    pieceLength: PIECE,
    totalLength: TOTAL,
    uploadLength: 0,
    bitfield,
    inFlight: inFlight.map(({ index, blocks }) => {
      const bits = Buffer.alloc(BLOCKS_PER_PIECE / 8);
      for (let block = 0; block < blocks; block += 1) {
        bits[block >> 3] = (bits[block >> 3] ?? 0) | (0x80 >> (block & 7));
      }
      return { index, length: PIECE, blocks: bits };
    }),
  });
}

describe("recoverWrittenBlocks", () => {
  let dir = "";
  let temp = "";
  let controlPath = "";

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "cc-recover-"));
    temp = join(dir, "model.safetensors.part");
    controlPath = `${temp}.aria2`;
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("completes a piece written after saving", async () => {
    await writeFile(temp, data(2 * PIECE));
    await writeFile(controlPath, control([0]));

    const { recoveredBytes } = await recoverWrittenBlocks(temp, controlPath, TOTAL);

    expect(recoveredBytes).toBe(PIECE);
    expect(parseControlFile(await readFile(controlPath), TOTAL)?.completedBytes).toBe(2 * PIECE);
  });

  it("keeps whole blocks of a half piece", async () => {
    // Piece 1 stops 100 bytes into block 10: blocks 0-9 are whole, block 10 is not.
    await writeFile(temp, Buffer.concat([data(PIECE), data(10 * BLOCK_LENGTH + 100)]));
    await writeFile(controlPath, control([0]));

    await recoverWrittenBlocks(temp, controlPath, TOTAL);
    const parsed = parseControlFile(await readFile(controlPath), TOTAL);

    expect(parsed?.inFlight.map((piece) => [piece.index, [...piece.blocks.subarray(0, 2)]])).toEqual([[1, [0xff, 0b11000000]]]);
  });

  it("trusts a zero tail only before data", async () => {
    const written = data(PIECE + 3 * BLOCK_LENGTH);
    // Block 1 of piece 1 ends in zeros but block 2 follows, so it was written in full.
    written.fill(0, PIECE + 2 * BLOCK_LENGTH - 16, PIECE + 2 * BLOCK_LENGTH);
    // Block 2 ends in zeros with nothing after it: it may be cut short.
    written.fill(0, PIECE + 3 * BLOCK_LENGTH - 16, PIECE + 3 * BLOCK_LENGTH);
    await writeFile(temp, written);
    await writeFile(controlPath, control([0]));

    await recoverWrittenBlocks(temp, controlPath, TOTAL);
    const piece = parseControlFile(await readFile(controlPath), TOTAL)?.inFlight[0];

    expect(piece?.blocks[0]).toBe(0b11000000);
  });

  it("leaves all-zero blocks for aria2", async () => {
    const written = data(PIECE + 3 * BLOCK_LENGTH);
    written.fill(0, PIECE + BLOCK_LENGTH, PIECE + 2 * BLOCK_LENGTH);
    await writeFile(temp, written);
    await writeFile(controlPath, control([0]));

    await recoverWrittenBlocks(temp, controlPath, TOTAL);
    const piece = parseControlFile(await readFile(controlPath), TOTAL)?.inFlight[0];

    expect(piece?.blocks[0]).toBe(0b10100000);
  });

  it("extends a saved in-flight piece", async () => {
    await writeFile(temp, Buffer.concat([data(PIECE), data(PIECE)]));
    await writeFile(controlPath, control([0], [{ index: 1, blocks: 8 }]));

    const { recoveredBytes } = await recoverWrittenBlocks(temp, controlPath, TOTAL);

    expect(recoveredBytes).toBe(PIECE - 8 * BLOCK_LENGTH);
  });

  it("finds a run the old file never saw", async () => {
    // Pieces 0 and 1 saved; a second connection wrote piece 2 and half of piece 3.
    await writeFile(temp, Buffer.concat([data(3 * PIECE), data(PIECE / 2)]));
    await writeFile(controlPath, control([0, 1]));

    await recoverWrittenBlocks(temp, controlPath, TOTAL);

    expect(parseControlFile(await readFile(controlPath), TOTAL)?.completedBytes).toBe(3 * PIECE);
  });

  it("keeps the file when nothing is new", async () => {
    await writeFile(temp, data(PIECE));
    const before = control([0]);
    await writeFile(controlPath, before);

    await recoverWrittenBlocks(temp, controlPath, TOTAL);

    expect((await readFile(controlPath)).equals(before)).toBe(true);
  });

  it("ignores an invalid control file", async () => {
    await writeFile(temp, data(PIECE));
    await writeFile(controlPath, Buffer.alloc(3));

    expect((await recoverWrittenBlocks(temp, controlPath, TOTAL)).recoveredBytes).toBe(0);
  });
});
