import { describe, expect, it } from "vitest";

import { runEdgeCostBench } from "../src/edge-cost.js";

// The quick run compresses the simulated hours further and checks only the direction of the
// target; `npm run edge-cost -w @comfycarry/bench` writes the figures to docs/benchmarks.md.
describe("edge-cost bench, quick mode", () => {
  // The quick run's compressed hour checks only the direction. The full bench row judges the
  // one-tenth target, because the measured ratio is close to it.
  it("costs an unwatched instance far less than streaming", async () => {
    const result = await runEdgeCostBench({ speedup: 360 });

    expect(result.unwatched.autoPongs).toBeGreaterThan(0);
    expect(result.watched.snapshotsDelta).toBeGreaterThan(0);
    expect(result.unwatched.hour.handledMessages).toBeLessThan(result.watched.hour.handledMessages);
    expect(result.watched.meter.invocations.webSocketMessage).toBeGreaterThanOrEqual(result.watched.sentMessages);
    expect(result.watched.meter.rowsWritten).toBeGreaterThan(0);
    expect(result.ratio).toBeLessThan(0.25);
  });
});
