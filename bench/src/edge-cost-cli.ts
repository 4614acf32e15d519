import { parseArgs } from "node:util";

import { runEdgeCostBench } from "./edge-cost.js";
import type { ModeResult } from "./edge-cost.js";
import { FORMULA } from "./edge-cost-model.js";
import { appendBenchmarkRow, describeCommit, describeMachine } from "./record.js";

const { values } = parseArgs({ options: { speedup: { type: "string", default: "60" } } });

const speedup = Number(values.speedup);
if (!Number.isInteger(speedup) || speedup <= 0 || speedup > 3600) {
  console.error(`--speedup must be an integer from 1 to 3600 (simulated seconds per real second), got "${values.speedup ?? ""}".`);
  process.exit(2);
}

const result = await runEdgeCostBench({ speedup });

function describeMode(mode: ModeResult): string {
  const { hour, month, meter } = mode;
  return [
    `in the object: ${hour.handledMessages} msgs in (${mode.snapshotsFull} full + ${mode.snapshotsDelta} delta snapshots, ${mode.byType.event ?? 0} events), ${(hour.bytesIn / 1024).toFixed(0)} KiB in, ${meter.outboundMessages} msgs / ${(meter.outboundBytes / 1024).toFixed(0)} KiB out`,
    `${hour.autoAnsweredPings} auto-answered pings, ${hour.alarms.toFixed(1)} alarms (${meter.invocations.alarm} measured, deadlines ${JSON.stringify(meter.deadlines)}; heartbeats modelled), ${hour.wakeUps.toFixed(0)} wake-ups, h = ${hour.handlerMs.toFixed(2)} ms (${mode.handlerTimeSource}), ${hour.rowsWritten.toFixed(0)} rows (measured ${meter.kvWrites} KV, ${meter.sqlRowsWritten} SQL, ${meter.alarmWrites} setAlarm, of which ${mode.clockRows.measured} snapshot and history rows are replaced by ${mode.clockRows.modelled} at simulated time, ${mode.oneTimeRows} one-time table rows left out; rules predict ${mode.modelledRows.toFixed(0)})`,
    `→ ${Math.round(month.requests)} req, ${month.gbSeconds.toFixed(1)} GB-s, ${(month.rowsWritten / 1e6).toFixed(2)} M rows = $${month.dollars.toFixed(4)}/month`,
  ].join("; ");
}

await appendBenchmarkRow(
  "edge cost (bench/src/edge-cost.ts)",
  ["date (UTC)", "commit", "command", "machine", "baseline: watched all hour (always streaming), per simulated hour → month", "unwatched, per simulated hour → month", "ratio (target ≤ 0.10)", "formula"],
  [
    new Date().toISOString().slice(0, 16).replace("T", " "),
    describeCommit(),
    `\`npm run edge-cost -w @comfycarry/bench -- --speedup ${speedup}\``,
    describeMachine(),
    describeMode(result.watched),
    describeMode(result.unwatched),
    `${result.ratio.toFixed(3)}`,
    FORMULA,
  ],
);
console.log(JSON.stringify(result, null, 2));
console.log(`Target: unwatched ≤ 1/10 of always streaming; measured ${result.ratio.toFixed(3)}.`);
