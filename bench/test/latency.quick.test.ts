import { describe, expect, it } from "vitest";

import { runLatencyBench } from "../src/latency.js";

// The quick run checks only the direction of each target: the full figures come from
// `npm run latency -w @comfycarry/bench` and land in docs/benchmarks.md. The bounds here
// are several times the targets so a loaded CI machine does not fail them.
describe("latency bench, quick mode", () => {
  it("keeps each figure on the right side of its target", async () => {
    const result = await runLatencyBench({ browsers: 5, prompts: 2, stepsPerPrompt: 10, stepMs: 50, commands: 10, idleSeconds: 4 });

    expect(result.eventLatencyMs.samples).toBeGreaterThan(0);
    expect(result.eventLatencyMs.p99).toBeLessThan(150 * 5);
    expect(result.commandRoundTripMs.samples).toBe(10);
    expect(result.commandRoundTripMs.p50).toBeLessThan(100 * 5);
    expect(result.reporterStreaming.peakRssMb).toBeLessThan(80 * 2);
    expect(result.reporterStreaming.corePercent).toBeLessThan(100);
    expect(result.floorStreaming.cpuMsPerStep).toBeGreaterThan(0);
  });
});
