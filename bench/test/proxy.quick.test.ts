import { describe, expect, it } from "vitest";

import { runProxyBench } from "../src/proxy.js";
import type { ProxyBenchResult } from "../src/proxy.js";

const MIB = 1024 * 1024;
const SIZE = 96 * MIB;

// The quick run checks only the direction of the target with a smaller transfer: the full
// figures come from `npm run proxy -w @comfycarry/bench` and land in docs/benchmarks.md.
// A proxy that buffered would grow by at least the transfer size. A streaming one grows once,
// by the spent chunks V8 has not collected yet, and hardly at all on a repeat.
describe("proxy bench, quick mode", () => {
  let result: ProxyBenchResult;

  it("uploads every byte through the proxy", async () => {
    result = await runProxyBench({ size: SIZE });
    expect(result.upload.proxied[0]?.bytes).toBe(SIZE);
  }, 240_000);

  it("downloads every byte through the proxy", () => {
    expect(result.download.proxied[0]?.bytes).toBe(SIZE);
  });

  it("grows by under half an upload", () => {
    expect(result.upload.rssGrowthFirstBytes).toBeLessThan(SIZE / 2);
  });

  it("grows by under half a download", () => {
    expect(result.download.rssGrowthFirstBytes).toBeLessThan(SIZE / 2);
  });

  // The 20 MiB target itself is the full bench's to judge: on a loaded machine the garbage
  // collector's timing moves this figure by tens of MiB between runs.
  it("grows by under half a repeat upload", () => {
    expect(result.upload.rssGrowthRepeatBytes).toBeLessThan(SIZE / 2);
  });

  it("grows by under half a repeat download", () => {
    expect(result.download.rssGrowthRepeatBytes).toBeLessThan(SIZE / 2);
  });
});
