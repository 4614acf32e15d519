import { parseArgs } from "node:util";

import { appendBenchmarkRow, describeCommit, describeMachine } from "./record.js";
import { runRestoreBench } from "./restore.js";
import { withinOnlineTarget } from "./restore-online.js";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "10" },
    workflows: { type: "string", default: "50" },
    "models-gb": { type: "string", default: "0" },
    runs: { type: "string", default: "5" },
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
const modelsGb = countFlag("models-gb", values["models-gb"], 0, 1000);
const runs = countFlag("runs", values.runs, 1, 50);

const result = await runRestoreBench({ nodes, workflows, modelsGb, runs });
const command = `npm run restore -w @comfycarry/bench -- --nodes ${nodes} --workflows ${workflows} --runs ${runs}${modelsGb > 0 ? ` --models-gb ${modelsGb}` : ""}`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const met = result.overheadMs <= 10_000 && result.sequentialRatio >= 3;

await appendBenchmarkRow(
  "restore with the node folders on the remote (bench/src/restore.ts)",
  [
    "date (UTC)",
    "commit",
    "command",
    "machine",
    "restored",
    "each file and node one after another",
    "baseline: one copy per folder and per node folder, one after another",
    "one copy per folder and one clone per node, one after another",
    "folder copies in parallel, no engine",
    "deploy engine restore step (rounds)",
    "ratio to baseline",
    "ratio to clone per node",
    "ratio to each file and node",
    "own overhead",
    "CPU of this process and its children: each item / baseline / clone per node / parallel / engine step",
    "targets",
  ],
  [
    new Date().toISOString().slice(0, 16).replace("T", " "),
    describeCommit(),
    `\`${command}\``,
    describeMachine(),
    `${result.restored.nodes} nodes (${result.nodesFromBackup} kept from the remote's node folders), ${result.restored.workflows} workflows, settings ${result.restored.settings ? "yes" : "no"} (local-disk remote, file:// git repositories); medians of ${result.rounds} rounds`,
    seconds(result.perItemMs),
    seconds(result.sequentialMs),
    seconds(result.sequentialClonesMs),
    seconds(result.bareParallelMs),
    `${seconds(result.engineMs)} (${result.roundsMs.map((round) => (round.engine / 1000).toFixed(2)).join(", ")})`,
    `×${result.sequentialRatio.toFixed(2)}`,
    `×${result.clonesRatio.toFixed(2)}`,
    `×${result.ratio.toFixed(2)}`,
    seconds(result.overheadMs),
    `${[result.cpuMs.perItem, result.cpuMs.sequential, result.cpuMs.sequentialClones, result.cpuMs.bareParallel, result.cpuMs.engine].map((ms) => seconds(ms)).join(" / ")} (engine step in this process alone: ${seconds(result.engineOwnCpuMs)})`,
    `overhead ≤ 10 s, ≥ 3× faster than the baseline: ${met ? "met" : "missed"}`,
  ],
);

const online = result.online;
if (online !== null) {
  const met = withinOnlineTarget(online);
  await appendBenchmarkRow(
    "restore to ComfyUI online with on-demand models (bench/src/restore.ts --models-gb)",
    ["date (UTC)", "commit", "command", "machine", "remote", "baseline: deploy start to ready step end, no models on the remote (runs)", "same with the models on the remote (runs)", "difference (ratio)", "model bytes copied by the restore", "target"],
    [
      new Date().toISOString().slice(0, 16).replace("T", " "),
      describeCommit(),
      `\`${command}\``,
      describeMachine(),
      `${(online.remoteModelBytes / 1e9).toFixed(1)} GB of sparse files in checkpoints, diffusion_models, loras; ${nodes} nodes, ${workflows} workflows, settings, a 64 KiB VAE (local-disk alias remote); presets workflows, user_settings, node_snapshots, models; median of ${runs} per case, order alternating`,
      `${(online.noModels.medianMs / 1000).toFixed(2)} s (${online.noModels.runsMs.map((ms) => (ms / 1000).toFixed(2)).join(", ")})`,
      `${(online.onDemand.medianMs / 1000).toFixed(2)} s (${online.onDemand.runsMs.map((ms) => (ms / 1000).toFixed(2)).join(", ")})`,
      `${(online.differenceMs / 1000).toFixed(2)} s (×${online.ratio.toFixed(3)})`,
      String(online.copiedModelBytes),
      `within 5 % or 1 s of the baseline, 0 model bytes copied: ${met && online.copiedModelBytes === 0 ? "met" : "missed"}`,
    ],
  );
  if (!met || online.copiedModelBytes !== 0 || online.restoredVaeBytes === 0) {
    console.error("The on-demand restore missed its target, copied on-demand models, or did not restore the VAE.");
    process.exitCode = 1;
  }
}
console.log(JSON.stringify(result, null, 2));
if (result.restored.nodes !== nodes || result.restored.workflows !== workflows || !result.restored.settings) {
  console.error("The engine's restore did not bring everything back.");
  process.exitCode = 1;
}
