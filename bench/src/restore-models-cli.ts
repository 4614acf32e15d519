import { parseArgs } from "node:util";

import { appendBenchmarkRow, describeCommit, describeMachine } from "./record.js";
import { runRestoreModelsBench } from "./restore-models.js";

const { values } = parseArgs({
  options: {
    gb: { type: "string", default: "20" },
    runs: { type: "string", default: "5" },
  },
});

const gb = Number(values.gb);
const runs = Number(values.runs);
if (!Number.isFinite(gb) || gb <= 0 || gb > 1000) {
  console.error(`--gb must be a size in GB from 0 to 1000, got "${values.gb ?? ""}".`);
  process.exit(2);
}
if (!Number.isInteger(runs) || runs < 1 || runs > 50) {
  console.error(`--runs must be a whole number from 1 to 50, got "${values.runs ?? ""}".`);
  process.exit(2);
}

const result = await runRestoreModelsBench({ modelBytes: Math.round(gb * 1e9), runs });
const command = `npm run restore-models -w @comfycarry/bench -- --gb ${gb} --runs ${runs}`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const withinTarget = result.differenceMs <= Math.max(1000, result.noModelsMs * 0.05);

await appendBenchmarkRow(
  "restore with on-demand models (bench/src/restore-models.ts)",
  ["date (UTC)", "commit", "command", "machine", "remote", "baseline: restore to ComfyUI online, no models on the remote", "same with on-demand models (ratio)", "difference", "model bytes local when online", "target"],
  [
    new Date().toISOString().slice(0, 16).replace("T", " "),
    describeCommit(),
    `\`${command}\``,
    describeMachine(),
    `${(result.remoteModelBytes / 1e9).toFixed(1)} GB of sparse models in checkpoints, diffusion_models, loras (local-disk alias remote), median of ${runs}`,
    seconds(result.noModelsMs),
    `${seconds(result.onDemandMs)} (×${result.ratio.toFixed(3)})`,
    seconds(result.differenceMs),
    String(result.localModelBytes),
    `within 5 % or 1 s of the baseline: ${withinTarget ? "met" : "missed"}`,
  ],
);
console.log(JSON.stringify(result, null, 2));
if (!withinTarget || result.localModelBytes !== 0) {
  process.exitCode = 1;
}
