import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";

import { parseRange, SyntheticFile } from "../src/index.js";

describe("SyntheticFile", () => {
  const file = new SyntheticFile({ size: 100_003, seed: "alpha", format: "safetensors" });
  const whole = file.read(0, file.size);

  it("reads any range as a slice of the whole", () => {
    for (const [start, end] of [[0, 1], [7, 9], [15, 17], [4095, 70_001], [99_990, 100_003]] as const) {
      expect(file.read(start, end).equals(whole.subarray(start, end))).toBe(true);
    }
  });

  it("starts with a valid safetensors header", () => {
    const length = Number(whole.readBigUInt64LE(0));
    expect(whole.subarray(8, 9).toString()).toBe("{");
    expect(JSON.parse(whole.subarray(8, 8 + length).toString())).toHaveProperty("__metadata__");
  });

  it("starts a gguf file with its magic", () => {
    const gguf = new SyntheticFile({ size: 64, seed: "g", format: "gguf" });
    expect(gguf.read(0, 4).toString("latin1")).toBe("GGUF");
  });

  it("hashes to the SHA-256 of its bytes", async () => {
    expect(await file.sha256()).toBe(createHash("sha256").update(whole).digest("hex"));
  });

  it("differs between seeds", () => {
    const other = new SyntheticFile({ size: 100_003, seed: "beta", format: "safetensors" });
    expect(other.read(1000, 1100).equals(whole.subarray(1000, 1100))).toBe(false);
  });
});

describe("parseRange", () => {
  it.each([
    ["bytes=0-9", { start: 0, end: 10 }],
    ["bytes=5-", { start: 5, end: 100 }],
    ["bytes=-10", { start: 90, end: 100 }],
    ["bytes=90-200", { start: 90, end: 100 }],
    ["bytes=100-", "unsatisfiable"],
    ["bytes=0-1,5-6", null],
    ["items=0-1", null],
  ] as const)("parses %s", (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });
});
