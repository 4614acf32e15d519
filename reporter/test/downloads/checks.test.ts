import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { sniff, matchesExtension } from "../../src/downloads/content-check.js";
import { parseControlFile, resumableBytes } from "../../src/downloads/control-file.js";
import { assertFits, requiredBytes } from "../../src/downloads/disk-space.js";
import { fileNameFromDisposition, safeModelFileName } from "../../src/downloads/file-name.js";
import { prepareTargetDir } from "../../src/downloads/model-folders.js";
import { civitaiFolder, huggingFaceFolder } from "../../src/downloads/target-folder.js";
import { scrubAria2Line } from "../../src/downloads/aria2/supervisor.js";

describe("fileNameFromDisposition", () => {
  it("prefers filename* and tolerates Hugging Face's trailing semicolon", () => {
    expect(fileNameFromDisposition(`inline; filename*=UTF-8''%E6%A8%A1%E5%9E%8B.safetensors; filename="model.safetensors";`)).toBe("模型.safetensors");
  });

  it("reads CivitAI's quoted filename", () => {
    expect(fileNameFromDisposition('attachment; filename="inkwash_xl_v2.safetensors"')).toBe("inkwash_xl_v2.safetensors");
  });

  it("returns null for garbage", () => {
    expect(fileNameFromDisposition("attachment; filename")).toBeNull();
  });
});

describe("safeModelFileName", () => {
  it.each([
    ["../../etc/x.safetensors", "x.safetensors"],
    ["..\\..\\x.ckpt", "x.ckpt"],
    [".hidden.safetensors", "hidden.safetensors"],
    ["a\u0000b.gguf", "ab.gguf"],
    ["model.html", null],
    [".safetensors", null],
    ["..", null],
  ])("reduces %s to %s", (raw, expected) => {
    expect(safeModelFileName(raw)).toBe(expected);
  });
});

describe("sniff", () => {
  const safetensors = Buffer.concat([Buffer.from([16, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{"a":1}         ')]);

  it("recognises safetensors by its header length and brace", () => {
    expect(sniff(safetensors, 1000)).toBe("safetensors");
  });

  it("rejects a safetensors header longer than the file", () => {
    expect(sniff(safetensors, 10)).not.toBe("safetensors");
  });

  it.each([
    ["<!DOCTYPE html><html>", "html"],
    ['  {"error":"Unauthorized"}', "json"],
    ["GGUF\u0003\u0000", "gguf"],
  ])("classifies %s", (text, kind) => {
    expect(sniff(Buffer.from(text), 100)).toBe(kind);
  });

  it("requires the safetensors magic for .safetensors names", () => {
    expect(matchesExtension("x.safetensors", "gguf")).toBe(false);
    expect(matchesExtension("x.ckpt", "zip")).toBe(true);
  });
});

function controlFile(total: number, pieceLength: number, bitfield: number[], inFlight: Buffer[] = []): Buffer {
  const head = Buffer.alloc(2 + 4 + 4 + 4 + 8 + 8 + 4);
  head.writeUInt16BE(1, 0);
  head.writeUInt32BE(0, 6);
  head.writeUInt32BE(pieceLength, 10);
  head.writeBigUInt64BE(BigInt(total), 14);
  head.writeUInt32BE(bitfield.length, 30);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(inFlight.length);
  return Buffer.concat([head, Buffer.from(bitfield), count, ...inFlight]);
}

describe("parseControlFile", () => {
  it("counts completed pieces", () => {
    expect(parseControlFile(controlFile(3 * 1048576, 1048576, [0b10100000]), 3 * 1048576)?.completedBytes).toBe(2 * 1048576);
  });

  it("rejects an empty file", () => {
    expect(parseControlFile(Buffer.alloc(0), null)).toBeNull();
  });

  it("rejects another total size", () => {
    expect(parseControlFile(controlFile(3 * 1048576, 1048576, [0]), 5)).toBeNull();
  });

  it("rejects trailing garbage", () => {
    expect(parseControlFile(Buffer.concat([controlFile(1048576, 1048576, [0]), Buffer.from([1])]), null)).toBeNull();
  });

  it("rejects a truncated file", () => {
    expect(parseControlFile(controlFile(1048576, 1048576, [0]).subarray(0, 20), null)).toBeNull();
  });

  it("accepts in-flight pieces with matching block bitfields", () => {
    const piece = Buffer.alloc(12 + 8);
    piece.writeUInt32BE(0, 0);
    piece.writeUInt32BE(1048576, 4);
    piece.writeUInt32BE(8, 8);
    expect(parseControlFile(controlFile(2 * 1048576, 1048576, [0]), null)).not.toBeNull();
    expect(parseControlFile(controlFile(2 * 1048576, 1048576, [0], [piece]), null)).not.toBeNull();
  });
});

describe("resumableBytes", () => {
  function inFlightPiece(index: number, length: number, blocks: number[]): Buffer {
    const entry = Buffer.alloc(12);
    entry.writeUInt32BE(index, 0);
    entry.writeUInt32BE(length, 4);
    entry.writeUInt32BE(blocks.length, 8);
    return Buffer.concat([entry, Buffer.from(blocks)]);
  }

  it("counts finished blocks of in-flight pieces", () => {
    // Piece 0 is complete. Piece 1 has its first three 16 KiB blocks, and the short last piece (20000 bytes) has both of its blocks.
    const data = controlFile(2 * 1048576 + 20000, 1048576, [0b10000000], [inFlightPiece(1, 1048576, [0b11100000, 0, 0, 0, 0, 0, 0, 0]), inFlightPiece(2, 20000, [0b11000000])]);
    const info = parseControlFile(data, null);

    expect(info === null ? null : resumableBytes(info)).toBe(1048576 + 3 * 16384 + 20000);
  });
});

describe("free space", () => {
  it("asks for the rest of the file plus 5 %", () => {
    expect(requiredBytes(1000, 400)).toBe(650);
  });

  it("refuses a 2 GB file with 500 MB free, showing both", () => {
    expect(() => assertFits(2_000_000_000, 0, 500_000_000, "/models/checkpoints")).toThrow(/476\.8 MiB free, 2\.0 GiB needed/);
  });
});

describe("target folders", () => {
  let root = "";
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "cc-folders-"));
    await mkdir(join(root, "models"));
    await mkdir(join(root, "outside"));
    await symlink(join(root, "outside"), join(root, "models", "loras"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it("creates a base-model subfolder", async () => {
    expect(await prepareTargetDir(join(root, "models"), "checkpoints/SDXL 1.0")).toBe(join(root, "models", "checkpoints", "SDXL 1.0"));
  });

  it.each(["../outside", "/etc", "checkpoints/../../outside", "random"])("rejects %s", async (folder) => {
    await expect(prepareTargetDir(join(root, "models"), folder)).rejects.toThrow(/invalid target folder/);
  });

  it("rejects a symlink that leaves the models root", async () => {
    await expect(prepareTargetDir(join(root, "models"), "loras")).rejects.toThrow(/symlink/);
  });

  it("maps CivitAI types and companion files", () => {
    expect(civitaiFolder("LORA", null, "SDXL 1.0")).toBe("loras/SDXL 1.0");
    expect(civitaiFolder("Checkpoint", "VAE", "SDXL 1.0")).toBe("vae");
    expect(civitaiFolder("Wildcards", null, null)).toBe("etc");
  });

  it("guesses folders from Hugging Face paths", () => {
    expect(huggingFaceFolder("vae/diffusion_pytorch_model.safetensors")).toBe("vae");
    expect(huggingFaceFolder("split_files/text_encoders/umt5_xxl_fp8.safetensors")).toBe("text_encoders");
    expect(huggingFaceFolder("transformer/model.safetensors")).toBe("diffusion_models");
  });
});

describe("scrubAria2Line", () => {
  it("removes presigned query strings and colour codes", () => {
    const line = "\u001b[1;31mERROR\u001b[0m URI=https://b2.example/file/x.safetensors?Authorization=3_abc&b2ContentDisposition=y failed";
    expect(scrubAria2Line(line)).toBe("ERROR URI=https://b2.example/file/x.safetensors?[redacted] failed");
  });
});
