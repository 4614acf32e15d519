import { describe, expect, it } from "vitest";

import { matchesMediaSignature } from "../../src/gallery/media-signature.js";

const bytes = (...parts: Array<string | number[]>): Buffer => Buffer.concat(parts.map((part) => (typeof part === "string" ? Buffer.from(part, "latin1") : Buffer.from(part))));

const valid: Array<[string, Buffer]> = [
  ["a.png", bytes([0x89], "PNG", [0x0d, 0x0a, 0x1a, 0x0a], "rest")],
  ["a.jpg", bytes([0xff, 0xd8, 0xff, 0xe0])],
  ["a.JPEG", bytes([0xff, 0xd8, 0xff, 0xdb])],
  ["a.gif", bytes("GIF89a")],
  ["a.webp", bytes("RIFF", [1, 2, 3, 4], "WEBPVP8 ")],
  ["a.bmp", bytes("BM", [0, 0])],
  ["a.tif", bytes("II*", [0])],
  ["a.tiff", bytes("MM", [0], "*")],
  ["a.avif", bytes([0, 0, 0, 0x1c], "ftypavif")],
  ["a.mp4", bytes([0, 0, 0, 0x20], "ftypisom")],
  ["a.mov", bytes([0, 0, 0, 0x08], "wide")],
  ["a.webm", bytes([0x1a, 0x45, 0xdf, 0xa3])],
  ["a.mkv", bytes([0x1a, 0x45, 0xdf, 0xa3])],
  ["a.avi", bytes("RIFF", [1, 2, 3, 4], "AVI LIST")],
];

describe("matchesMediaSignature", () => {
  it.each(valid)("accepts %s with its signature", (name, head) => {
    expect(matchesMediaSignature(name, head)).toBe(true);
  });

  it.each(valid)("rejects a script named %s", (name) => {
    expect(matchesMediaSignature(name, bytes("#!/bin/sh\necho hi\n"))).toBe(false);
  });

  it("rejects WebP bytes named as PNG", () => {
    expect(matchesMediaSignature("a.png", bytes("RIFF", [1, 2, 3, 4], "WEBP"))).toBe(false);
  });

  it("rejects an empty file", () => {
    expect(matchesMediaSignature("a.png", Buffer.alloc(0))).toBe(false);
  });
});
