import { parseArgs } from "node:util";

import { appendBenchmarkRow, describeCommit, describeMachine } from "./record.js";
import { runSyncBench } from "./sync.js";

const { values } = parseArgs({
  options: {
    outputs: { type: "string", default: "50" },
    "output-kib": { type: "string", default: "1024" },
    "small-files": { type: "string", default: "1000" },
  },
});

function countFlag(name: string, text: string | undefined, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`--${name} must be a whole number from ${min} to ${max}, got "${text ?? ""}".`);
    process.exit(2);
  }
  return value;
}

const outputs = countFlag("outputs", values.outputs, 2, 1000);
const outputKib = countFlag("output-kib", values["output-kib"], 1, 1_048_576);
const smallFiles = countFlag("small-files", values["small-files"], 10, 100_000);

const result = await runSyncBench({ outputs, outputBytes: outputKib * 1024, smallFiles });
const command = `npm run sync -w @comfycarry/bench -- --outputs ${outputs} --output-kib ${outputKib} --small-files ${smallFiles}`;
const { outputToRemoteMs: latency } = result;

await appendBenchmarkRow(
  "sync (bench/src/sync.ts)",
  ["date (UTC)", "commit", "command", "machine", "new output → on the remote p50 / p99", `baseline: ${smallFiles} files, one rclone call each`, "the same files in one job (ratio)", "target"],
  [
    new Date().toISOString().slice(0, 16).replace("T", " "),
    describeCommit(),
    `\`${command}\``,
    describeMachine(),
    `${(latency.p50 / 1000).toFixed(2)} s / ${(latency.p99 / 1000).toFixed(2)} s (n=${latency.samples}, ${outputKib} KiB each, local-disk remote)`,
    `${result.perFileSeconds.toFixed(1)} s`,
    `${result.oneJobSeconds.toFixed(1)} s (×${result.batchRatio.toFixed(1)}), ${result.oneJobFilesOnRemote} files on the remote`,
    "p50 ≤ 2 s",
  ],
);
console.log(JSON.stringify(result, null, 2));
console.log("Target: a new output is on the remote within 2 s at the median.");
if (result.oneJobFilesOnRemote !== smallFiles) {
  console.error(`The one-job copy left ${result.oneJobFilesOnRemote} of ${smallFiles} files on the remote.`);
  process.exitCode = 1;
}
