import { describe, expect, it } from "vitest";

import { runRestoreBench } from "../src/restore.js";
import type { RestoreBenchResult } from "../src/restore.js";

// The quick run restores fewer nodes and workflows, then checks the restore and the overhead
// target. `npm run restore -w @comfycarry/bench` writes the figures, including the ratio to
// the one-after-another baseline, to docs/benchmarks.md.
// NOTE: with a local-disk remote and file:// repositories nothing waits on a network, so the
// parallel copies and clones gain little on two cores; the ratio is recorded, not asserted.
describe("restore bench, quick mode", () => {
  let result: RestoreBenchResult;

  it("restores every node, workflow and the settings", async () => {
    result = await runRestoreBench({ nodes: 4, workflows: 10 });

    expect(result.restored).toEqual({ workflows: 10, settings: true, nodes: 4 });
  }, 300_000);

  it("keeps its own overhead under 10 s", () => {
    expect(result.overheadMs).toBeLessThan(10_000);
  });
});
