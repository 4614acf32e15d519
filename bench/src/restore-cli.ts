import { parseArgs } from "node:util";

import { appendBenchmarkRow, describeCommit, describeMachine } from "./record.js";
import { runRestoreBench } from "./restore.js";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "10" },
    workflows: { type: "string", default: "50" },
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

const nodes = countFlag("nodes", values.nodes, 1, 100);
const workflows = countFlag("workflows", values.workflows, 1, 10_000);

const result = await runRestoreBench({ nodes, workflows });
const command = `npm run restore -w @comfycarry/bench -- --nodes ${nodes} --workflows ${workflows}`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

await appendBenchmarkRow(
  "restore (bench/src/restore.ts)",
  ["date (UTC)", "commit", "command", "machine", "restored", "baseline: each file and node one after another", "one copy per folder, one after another", "same commands in parallel, no engine", "deploy engine restore step (ratio to baseline)", "own overhead", "targets"],
  [
    new Date().toISOString().slice(0, 16).replace("T", " "),
    describeCommit(),
    `\`${command}\``,
    describeMachine(),
    `${result.restored.nodes} nodes, ${result.restored.workflows} workflows, settings ${result.restored.settings ? "yes" : "no"} (local-disk remote, file:// git repositories)`,
    seconds(result.perItemMs),
    seconds(result.sequentialMs),
    seconds(result.bareParallelMs),
    `${seconds(result.engineMs)} (×${result.ratio.toFixed(2)})`,
    seconds(result.overheadMs),
    "overhead ≤ 10 s, ≥ 3× faster than the baseline",
  ],
);
console.log(JSON.stringify(result, null, 2));
if (result.restored.nodes !== nodes || result.restored.workflows !== workflows || !result.restored.settings) {
  console.error("The engine's restore did not bring everything back.");
  process.exitCode = 1;
}
