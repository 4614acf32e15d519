import { describe, expect, it } from "vitest";

import { runRestoreBench } from "../src/restore.js";
import type { RestoreBenchResult } from "../src/restore.js";
import type { OnlineComparison } from "../src/restore-online.js";

// The quick run restores fewer nodes and workflows with 2 GB of sparse on-demand models and one
// restore deploy per case, then checks the restore and the direction of each target.
// `npm run restore -w @comfycarry/bench -- --models-gb 20` writes the figures to docs/benchmarks.md.
describe("restore bench, quick mode", () => {
  let result: RestoreBenchResult;
  let online: OnlineComparison | null;

  it("restores every node, workflow and the settings", async () => {
    result = await runRestoreBench({ nodes: 4, workflows: 10, modelsGb: 2, runs: 1 });
    online = result.online;

    expect(result.restored).toEqual({ workflows: 10, settings: true, nodes: 4 });
  }, 300_000);

  it("keeps every node from the remote's node folders", () => {
    expect(result.nodesFromBackup).toBe(4);
  });

  it("keeps its own overhead under 10 s", () => {
    expect(result.overheadMs).toBeLessThan(10_000);
  });

  it("restores faster than item by item", () => {
    expect(result.engineMs).toBeLessThan(result.perItemMs);
  });

  it("restores faster than one copy per folder in turn", () => {
    expect(result.engineMs).toBeLessThan(result.sequentialMs);
  });

  it("copies no on-demand model before ComfyUI is online", () => {
    expect(online?.copiedModelBytes).toBe(0);
  });

  it("still restores the models outside on-demand folders", () => {
    expect(online?.restoredVaeBytes).toBe(64 * 1024);
  });

  it("reaches ComfyUI online near the model-free restore", () => {
    const baseline = online?.noModels.medianMs ?? 0;
    expect(online?.onDemand.medianMs).toBeLessThanOrEqual(baseline + Math.max(1000, baseline * 0.05));
  });
});
