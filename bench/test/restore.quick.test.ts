import { describe, expect, it } from "vitest";

import { runRestoreBench } from "../src/restore.js";
import type { RestoreBenchResult } from "../src/restore.js";

// The quick run restores fewer nodes and workflows, then checks the restore and the direction
// of both targets. `npm run restore -w @comfycarry/bench` writes the figures to docs/benchmarks.md.
describe("restore bench, quick mode", () => {
  let result: RestoreBenchResult;

  it("restores every node, workflow and the settings", async () => {
    result = await runRestoreBench({ nodes: 4, workflows: 10 });

    expect(result.restored).toEqual({ workflows: 10, settings: true, nodes: 4 });
  }, 300_000);

  it("keeps its own overhead under 10 s", () => {
    expect(result.overheadMs).toBeLessThan(10_000);
  });

  it("restores faster than item by item", () => {
    expect(result.engineMs).toBeLessThan(result.perItemMs);
  });
});
