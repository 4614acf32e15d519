import { describe, expect, it } from "vitest";

import { runSyncBench } from "../src/sync.js";
import type { SyncBenchResult } from "../src/sync.js";

// The quick run checks only the direction of each target with few files: the full figures
// come from `npm run sync -w @comfycarry/bench` and land in docs/benchmarks.md.
describe("sync bench, quick mode", () => {
  let result: SyncBenchResult;

  it("times every new output", async () => {
    result = await runSyncBench({ outputs: 4, outputBytes: 64 * 1024, smallFiles: 40 });
    expect(result.outputToRemoteMs.samples).toBe(4);
  }, 180_000);

  // A loose bound that still catches an upload waiting for a poll instead of the watcher.
  it("brings a new output over within 10 s", () => {
    expect(result.outputToRemoteMs.p50).toBeLessThan(10_000);
  });

  it("copies every small file in the one job", () => {
    expect(result.oneJobFilesOnRemote).toBe(40);
  });

  it("beats one rclone call per file", () => {
    expect(result.batchRatio).toBeGreaterThan(1);
  });
});
