import { parseArgs } from "node:util";

import { runDownloadBench } from "./download.js";
import type { DownloadBenchResult } from "./download.js";
import { appendBenchmarkRow, describeCommit, describeMachine } from "./record.js";

const MIB = 1024 * 1024;

const { values } = parseArgs({
  options: {
    "size-mib": { type: "string", default: "1024" },
    "cap-mib": { type: "string", default: "16" },
    connections: { type: "string", default: "8" },
    "kill-at": { type: "string", default: "0.6" },
  },
});

function numberFlag(name: string, text: string | undefined, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || value > max) {
    console.error(`--${name} must be a number from ${min} to ${max}, got "${text ?? ""}".`);
    process.exit(2);
  }
  return value;
}

const sizeMib = numberFlag("size-mib", values["size-mib"], 4, 16_384);
const capMib = numberFlag("cap-mib", values["cap-mib"], 0.25, 1024);
const connections = Math.round(numberFlag("connections", values.connections, 2, 16));
const killAt = numberFlag("kill-at", values["kill-at"], 0.05, 0.95);

const result: DownloadBenchResult = await runDownloadBench({ size: Math.round(sizeMib * MIB), bytesPerSecond: Math.round(capMib * MIB), connections, killAt });
const command = `npm run download -w @comfycarry/bench -- --size-mib ${sizeMib} --cap-mib ${capMib} --connections ${connections} --kill-at ${killAt}`;
const speed = (bytesPerSecond: number): string => `${(bytesPerSecond / MIB).toFixed(1)} MiB/s`;
const sha = (ok: boolean): string => (ok ? "SHA-256 ok" : "SHA-256 MISMATCH");
const { single, multi, crash } = result;

await appendBenchmarkRow(
  "download (bench/src/download.ts)",
  ["date (UTC)", "commit", "command", "machine", "file / cap per connection", "baseline: 1 stream", "aria2 multi-connection (ratio)", "kill -9 at: bytes downloaded twice (waste)", "targets"],
  [
    new Date().toISOString().slice(0, 16).replace("T", " "),
    describeCommit(),
    `\`${command}\``,
    describeMachine(),
    `${sizeMib} MiB / ${capMib} MiB/s`,
    `${speed(single.bytesPerSecond)} in ${single.transferSeconds.toFixed(1)} s, ${sha(single.shaMatches)}`,
    `${connections} connections: ${speed(multi.bytesPerSecond)} in ${multi.transferSeconds.toFixed(1)} s (×${result.speedRatio.toFixed(1)}), ${sha(multi.shaMatches)}`,
    `${(crash.killedAtFraction * 100).toFixed(0)} %: ${(crash.wastedBytes / MIB).toFixed(1)} MiB (${crash.wastePercent.toFixed(2)} %), ${sha(crash.shaMatches)}`,
    "≥ ×6, ≤ 1 % waste",
  ],
);
console.log(JSON.stringify(result, null, 2));
console.log("Targets: multi-connection at least 6× a single stream, and at most 1 % of the file downloaded twice after a kill at 60 %.");
if (!single.shaMatches || !multi.shaMatches || !crash.shaMatches) {
  console.error("A downloaded file did not match the fake's SHA-256. The row in docs/benchmarks.md names the run.");
  process.exitCode = 1;
}
