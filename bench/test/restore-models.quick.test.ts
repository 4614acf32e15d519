import { describe, expect, it } from "vitest";

import { runRestoreModelsBench } from "../src/restore-models.js";
import type { RestoreModelsResult } from "../src/restore-models.js";

// The quick run puts 2 GB of sparse on-demand models on the remote and checks that none of
// them is copied before ComfyUI is online. It also checks the direction of the target: the
// on-demand restore is not slower than the model-free one by more than 5 % or 1 s.
// `npm run restore-models -w @comfycarry/bench` measures 20 GB and writes the row.
describe("restore with on-demand models, quick mode", () => {
  let result: RestoreModelsResult;

  it("copies no on-demand model before ComfyUI is online", async () => {
    result = await runRestoreModelsBench({ modelBytes: 2e9, runs: 1 });
    expect(result.localModelBytes).toBe(0);
  }, 180_000);

  it("keeps time to online near the model-free restore", () => {
    expect(result.differenceMs).toBeLessThanOrEqual(Math.max(1000, result.noModelsMs * 0.05));
  });
});
