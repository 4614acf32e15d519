import { parseArgs } from "node:util";

import { runLatencyBench, type LatencyResult } from "./latency.js";
import { appendBenchmarkRow, describeCommit, describeMachine } from "./record.js";
import { ms } from "./stats.js";

const { values } = parseArgs({
  options: {
    browsers: { type: "string", default: "20" },
    prompts: { type: "string", default: "5" },
    steps: { type: "string", default: "40" },
    "step-ms": { type: "string", default: "50" },
    commands: { type: "string", default: "50" },
    "idle-seconds": { type: "string", default: "20" },
  },
});

function positiveInteger(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} must be a positive integer, got "${text ?? ""}".`);
    process.exit(2);
  }
  return value;
}

const options = {
  browsers: positiveInteger("browsers", values.browsers),
  prompts: positiveInteger("prompts", values.prompts),
  stepsPerPrompt: positiveInteger("steps", values.steps),
  stepMs: positiveInteger("step-ms", values["step-ms"]),
  commands: positiveInteger("commands", values.commands),
  idleSeconds: positiveInteger("idle-seconds", values["idle-seconds"]),
};

const result: LatencyResult = await runLatencyBench(options);
const command = `npm run latency -w @comfycarry/bench -- --browsers ${options.browsers} --prompts ${options.prompts} --steps ${options.stepsPerPrompt} --step-ms ${options.stepMs} --commands ${options.commands}`;
const eventRatio = result.eventLatencyMs.p50 / result.baselinePingMs.p50;
const commandRatio = result.commandRoundTripMs.p50 / result.baselinePingMs.p50;

const floorRatio = result.reporterStreaming.cpuMsPerStep / result.floorStreaming.cpuMsPerStep;

await appendBenchmarkRow(
  "latency with the floor watcher (bench/src/latency.ts)",
  [
    "date (UTC)",
    "commit",
    "command",
    "machine",
    "baseline: browser ping→pong p50 / p99",
    "event → browser p50 / p99 (ratio p50)",
    "command round trip p50 / p99 (ratio p50)",
    "reporter streaming: core % / peak RSS",
    "floor watcher streaming: core % (reporter CPU ratio)",
    "reporter idle with viewers: core % / peak RSS",
  ],
  [
    new Date().toISOString().slice(0, 16).replace("T", " "),
    describeCommit(),
    `\`${command}\``,
    describeMachine(),
    `${ms(result.baselinePingMs.p50)} / ${ms(result.baselinePingMs.p99)}`,
    `${ms(result.eventLatencyMs.p50)} / ${ms(result.eventLatencyMs.p99)} (×${eventRatio.toFixed(1)}, n=${result.eventLatencyMs.samples})`,
    `${ms(result.commandRoundTripMs.p50)} / ${ms(result.commandRoundTripMs.p99)} (×${commandRatio.toFixed(1)}, n=${result.commandRoundTripMs.samples})`,
    `${result.reporterStreaming.corePercent.toFixed(2)} % / ${result.reporterStreaming.peakRssMb.toFixed(0)} MB (CPU ${result.reporterStreaming.cpuMsPerStep.toFixed(2)} ms per step)`,
    `${result.floorStreaming.corePercent.toFixed(2)} % (×${floorRatio.toFixed(1)}, ${result.floorStreaming.cpuMsPerStep.toFixed(2)} ms per step)`,
    `${result.reporterIdle.corePercent.toFixed(2)} % / ${result.reporterIdle.peakRssMb.toFixed(0)} MB`,
  ],
);
console.log(JSON.stringify(result, null, 2));
console.log("Targets: event p99 ≤ 150 ms, command p50 ≤ 100 ms, reporter ≤ 1 % of a core and ≤ 80 MB RSS.");
