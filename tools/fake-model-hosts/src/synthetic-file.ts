import { createCipheriv, createHash } from "node:crypto";

/** Header format of the generated file, so clients can check magic bytes. */
export type SyntheticFormat = "safetensors" | "gguf" | "raw";

export interface SyntheticFileSpec {
  /** Bytes in the file. */
  size: number;
  /** Any string; the same seed always produces the same bytes. */
  seed: string;
  format: SyntheticFormat;
}

const AES_BLOCK = 16;
const HASH_CHUNK = 4 * 1024 * 1024;

/**
 * A model file that exists only as a formula: a format header followed by an AES-128-CTR
 * keystream whose counter is the byte offset / 16. Any range is reproducible without
 * storing the file, and the keystream runs at memory speed on CPUs with AES instructions.
 */
export class SyntheticFile {
  readonly size: number;
  readonly seed: string;
  readonly format: SyntheticFormat;
  private readonly key: Buffer;
  private readonly header: Buffer;
  private sha256Promise: Promise<string> | null = null;

  constructor(spec: SyntheticFileSpec) {
    if (!Number.isSafeInteger(spec.size) || spec.size < 0) {
      throw new Error(`invalid synthetic file size ${spec.size}: expected a non-negative integer`);
    }
    this.size = spec.size;
    this.seed = spec.seed;
    this.format = spec.format;
    this.key = createHash("sha256").update(spec.seed).digest().subarray(0, 16);
    this.header = buildHeader(spec.format, spec.seed, spec.size);
  }

  /** Returns the bytes in [start, end), clamped to the file. */
  read(start: number, end: number): Buffer {
    const from = Math.max(0, start);
    const to = Math.min(this.size, end);
    if (to <= from) {
      return Buffer.alloc(0);
    }
    const out = this.keystream(from, to);
    if (from < this.header.length) {
      this.header.copy(out, 0, from, Math.min(this.header.length, to));
    }
    return out;
  }

  /** Lower-case hex SHA-256 of the whole file, computed once on first use. */
  sha256(): Promise<string> {
    this.sha256Promise ??= this.computeSha256();
    return this.sha256Promise;
  }

  private async computeSha256(): Promise<string> {
    const hash = createHash("sha256");
    for (let offset = 0; offset < this.size; offset += HASH_CHUNK) {
      hash.update(this.read(offset, offset + HASH_CHUNK));

      // Yield between chunks so a 1 GiB hash does not stall the fake's HTTP servers.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return hash.digest("hex");
  }

  private keystream(from: number, to: number): Buffer {
    const firstBlock = Math.floor(from / AES_BLOCK);
    const skip = from - firstBlock * AES_BLOCK;
    const iv = Buffer.alloc(16);
    iv.writeBigUInt64BE(BigInt(firstBlock), 8);
    const cipher = createCipheriv("aes-128-ctr", this.key, iv);
    const stream = cipher.update(Buffer.alloc(skip + (to - from)));
    return stream.subarray(skip);
  }
}

function buildHeader(format: SyntheticFormat, seed: string, size: number): Buffer {
  if (format === "gguf") {
    // Magic, version 3, zero tensors, zero metadata pairs.
    const header = Buffer.alloc(24);
    header.write("GGUF", 0, "latin1");
    header.writeUInt32LE(3, 4);
    return header.subarray(0, Math.min(header.length, size));
  }
  if (format === "safetensors") {
    const json = Buffer.from(JSON.stringify({ __metadata__: { format: "pt", seed } }));
    const padded = Buffer.alloc(Math.ceil(json.length / 8) * 8, " ");
    json.copy(padded);
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(padded.length));
    const header = Buffer.concat([length, padded]);
    return header.subarray(0, Math.min(header.length, size));
  }
  return Buffer.alloc(0);
}
