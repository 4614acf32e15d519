import { describe, expect, it } from "vitest";

import { runDownloadBench } from "../src/download.js";
import type { DownloadBenchResult } from "../src/download.js";

const MIB = 1024 * 1024;

// The quick run checks only the direction of each target on a small file: the full
// figures come from `npm run download -w @comfycarry/bench` and land in docs/benchmarks.md.
describe("download bench, quick mode", () => {
  let result: DownloadBenchResult;

  it("kills the crash run near 60 %", async () => {
    result = await runDownloadBench({ size: 64 * MIB, bytesPerSecond: 4 * MIB, connections: 8, killAt: 0.6 });
    expect(result.crash.killedAtFraction).toBeGreaterThan(0.5);
  }, 120_000);

  it("runs eight connections faster than one", () => {
    expect(result.multi.bytesPerSecond).toBeGreaterThan(result.single.bytesPerSecond);
  });

  it("keeps the single-stream file intact", () => {
    expect(result.single.shaMatches).toBe(true);
  });

  it("keeps the multi-connection file intact", () => {
    expect(result.multi.shaMatches).toBe(true);
  });

  it("keeps the resumed file intact", () => {
    expect(result.crash.shaMatches).toBe(true);
  });

  it("wastes under half after a kill", () => {
    expect(result.crash.wastePercent).toBeLessThan(50);
  });
});
