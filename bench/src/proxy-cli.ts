import { parseArgs } from "node:util";

import { runProxyBench } from "./proxy.js";
import type { ProxyDirection } from "./proxy.js";
import { appendBenchmarkRow, describeCommit, describeMachine } from "./record.js";

const MIB = 1024 * 1024;
const RSS_TARGET_BYTES = 20 * MIB;

const { values } = parseArgs({ options: { "size-mib": { type: "string", default: "500" } } });
const sizeMib = Number(values["size-mib"]);
if (!Number.isFinite(sizeMib) || sizeMib < 1 || sizeMib > 8_192) {
  console.error(`--size-mib must be a number from 1 to 8192, got "${values["size-mib"] ?? ""}".`);
  process.exit(2);
}

const result = await runProxyBench({ size: Math.round(sizeMib * MIB) });
const command = `npm run proxy -w @comfycarry/bench -- --size-mib ${sizeMib}`;
const speed = (bytesPerSecond: number): string => `${(bytesPerSecond / MIB).toFixed(0)} MiB/s`;
const speeds = (runs: readonly { bytesPerSecond: number }[]): string => runs.map((run) => speed(run.bytesPerSecond)).join(" / ");
const mib = (bytes: number): string => `${(bytes / MIB).toFixed(1)} MiB`;
const direction = (run: ProxyDirection): string =>
  `direct ${speeds(run.direct)}, proxy ${speeds(run.proxied)} (×${run.ratio.toFixed(2)}); proxy RSS ${mib(run.rssBeforeBytes)}, +${mib(run.rssGrowthFirstBytes)} first, +${mib(run.rssGrowthRepeatBytes)} repeat`;

await appendBenchmarkRow(
  "access proxy (bench/src/proxy.ts)",
  ["date (UTC)", "commit", "command", "machine", "size", "upload /upload/image", "download /view", "targets"],
  [
    new Date().toISOString().slice(0, 16).replace("T", " "),
    describeCommit(),
    `\`${command}\``,
    describeMachine(),
    `${sizeMib} MiB per transfer; order direct, proxy, proxy, direct`,
    direction(result.upload),
    direction(result.download),
    "proxy RSS growth < 20 MiB (first transfer)",
  ],
);
console.log(JSON.stringify(result, null, 2));
if (result.upload.rssGrowthFirstBytes >= RSS_TARGET_BYTES || result.download.rssGrowthFirstBytes >= RSS_TARGET_BYTES) {
  console.error("The proxy's RSS grew by 20 MiB or more during a transfer; the row in docs/benchmarks.md names the run.");
  process.exitCode = 1;
}
