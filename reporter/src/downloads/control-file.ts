import { readFile } from "node:fs/promises";

/** aria2 tracks in-flight pieces in blocks of this many bytes. */
export const BLOCK_LENGTH = 16 * 1024;

/** A piece aria2 had started: which of its blocks are on disk. */
export interface InFlightPiece {
  index: number;
  length: number;
  /** One bit per block, most significant bit first, as aria2 stores it. */
  blocks: Buffer;
}

export interface ControlFileInfo {
  pieceLength: number;
  totalLength: number;
  uploadLength: number;
  /** One bit per piece, most significant bit first. */
  bitfield: Buffer;
  inFlight: InFlightPiece[];
  /** Bytes in pieces the bitfield marks complete. */
  completedBytes: number;
}

/**
 * Parses an aria2 control file (`<file>.aria2`, format version 1, big-endian) and checks
 * that every length is consistent and the file ends exactly after the last in-flight piece.
 * Returns null when it is empty, truncated, from another version or for another size, so
 * the caller restarts that file from zero instead of trusting stale or corrupt state.
 * The format is documented in aria2's manual, section "Control File (*.aria2) Format".
 */
export function parseControlFile(data: Buffer, expectedTotal: number | null): ControlFileInfo | null {
  let offset = 0;
  const need = (bytes: number): boolean => offset + bytes <= data.length;
  const u32 = (): number | null => {
    if (!need(4)) {
      return null;
    }
    const value = data.readUInt32BE(offset);
    offset += 4;
    return value;
  };
  const u64 = (): number | null => {
    if (!need(8)) {
      return null;
    }
    const value = data.readBigUInt64BE(offset);
    offset += 8;
    return value > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(value);
  };

  if (!need(2) || data.readUInt16BE(0) !== 1) {
    return null;
  }
  offset = 2 + 4;
  const infoHashLength = u32();
  if (infoHashLength === null || infoHashLength !== 0) {
    // HTTP downloads carry no info hash; anything else is not ours.
    return null;
  }
  const pieceLength = u32();
  const totalLength = u64();
  const uploadLength = u64();
  const bitfieldLength = u32();
  if (pieceLength === null || pieceLength === 0 || totalLength === null || uploadLength === null || bitfieldLength === null) {
    return null;
  }
  if (expectedTotal !== null && totalLength !== expectedTotal) {
    return null;
  }
  const pieces = Math.ceil(totalLength / pieceLength);
  if (bitfieldLength !== Math.ceil(pieces / 8) || !need(bitfieldLength)) {
    return null;
  }
  const bitfield = Buffer.from(data.subarray(offset, offset + bitfieldLength));
  offset += bitfieldLength;

  const inFlightCount = u32();
  if (inFlightCount === null || inFlightCount > pieces) {
    return null;
  }
  const inFlight: InFlightPiece[] = [];
  for (let i = 0; i < inFlightCount; i += 1) {
    const index = u32();
    const length = u32();
    const pieceBitfieldLength = u32();
    if (index === null || length === null || pieceBitfieldLength === null || index >= pieces || length > pieceLength) {
      return null;
    }
    if (pieceBitfieldLength !== Math.ceil(Math.ceil(length / BLOCK_LENGTH) / 8) || !need(pieceBitfieldLength)) {
      return null;
    }
    inFlight.push({ index, length, blocks: Buffer.from(data.subarray(offset, offset + pieceBitfieldLength)) });
    offset += pieceBitfieldLength;
  }
  if (offset !== data.length) {
    return null;
  }

  let completedBytes = 0;
  for (let piece = 0; piece < pieces; piece += 1) {
    if (((bitfield[piece >> 3] ?? 0) & (0x80 >> (piece & 7))) !== 0) {
      completedBytes += Math.min(pieceLength, totalLength - piece * pieceLength);
    }
  }
  return { pieceLength, totalLength, uploadLength, bitfield, inFlight, completedBytes };
}

/**
 * Returns the bytes a resumed download starts from: complete pieces plus the finished blocks
 * of in-flight pieces. aria2's `completedLength` counts both, so `completedBytes` alone
 * stays 0 until a whole piece is done.
 */
export function resumableBytes(info: ControlFileInfo): number {
  let bytes = info.completedBytes;
  for (const piece of info.inFlight) {
    const blocks = Math.ceil(piece.length / BLOCK_LENGTH);
    for (let block = 0; block < blocks; block += 1) {
      if (((piece.blocks[block >> 3] ?? 0) & (0x80 >> (block & 7))) !== 0) {
        bytes += Math.min(BLOCK_LENGTH, piece.length - block * BLOCK_LENGTH);
      }
    }
  }
  return bytes;
}

/** Writes a control file in the layout `parseControlFile` reads (format version 1). */
export function serializeControlFile(info: Omit<ControlFileInfo, "completedBytes">): Buffer {
  const head = Buffer.alloc(2 + 4 + 4 + 4 + 8 + 8 + 4);
  let offset = head.writeUInt16BE(1, 0);
  offset = head.writeUInt32BE(0, offset);
  offset = head.writeUInt32BE(0, offset);
  offset = head.writeUInt32BE(info.pieceLength, offset);
  offset = head.writeBigUInt64BE(BigInt(info.totalLength), offset);
  offset = head.writeBigUInt64BE(BigInt(info.uploadLength), offset);
  head.writeUInt32BE(info.bitfield.length, offset);

  const count = Buffer.alloc(4);
  count.writeUInt32BE(info.inFlight.length, 0);
  const pieces = info.inFlight.map((piece) => {
    const entry = Buffer.alloc(12);
    entry.writeUInt32BE(piece.index, 0);
    entry.writeUInt32BE(piece.length, 4);
    entry.writeUInt32BE(piece.blocks.length, 8);
    return Buffer.concat([entry, piece.blocks]);
  });
  return Buffer.concat([head, info.bitfield, count, ...pieces]);
}

/** Reads and validates a control file; null when missing or invalid. */
export async function readControlFile(path: string, expectedTotal: number | null): Promise<ControlFileInfo | null> {
  try {
    return parseControlFile(await readFile(path), expectedTotal);
  } catch {
    return null;
  }
}
