import { parseArgs } from "node:util";

import { runGalleryZipBench } from "./gallery-zip.js";
import { appendBenchmarkRow, describeCommit, describeMachine } from "./record.js";

const MB = 1_000_000;

const { values } = parseArgs({
  options: {
    images: { type: "string", default: "300" },
    "image-kb": { type: "string", default: "1500" },
  },
});

function numberFlag(name: string, text: string | undefined, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`--${name} must be a whole number from ${min} to ${max}, got "${text ?? ""}".`);
    process.exit(2);
  }
  return value;
}

const images = numberFlag("images", values.images, 1, 10_000);
const imageKb = numberFlag("image-kb", values["image-kb"], 1, 100_000);
const result = await runGalleryZipBench({ images, imageBytes: imageKb * 1000 });
const figures = (label: string, run: typeof result.zip): string =>
  `${label}${(run.bytes / MB).toFixed(0)} MB in ${run.seconds.toFixed(1)} s, RSS +${(run.rssGrowthBytes / MB).toFixed(1)} MB`;

await appendBenchmarkRow(
  "gallery zip (bench/src/gallery-zip.ts)",
  ["date (UTC)", "commit", "command", "machine", "baseline: one file of the same size", "zip of the images (RSS growth ratio)", "target"],
  [
    new Date().toISOString().slice(0, 16).replace("T", " "),
    describeCommit(),
    `\`npm run gallery-zip -w @comfycarry/bench -- --images ${images} --image-kb ${imageKb}\``,
    describeMachine(),
    figures("", result.single),
    `${figures(`${images} images: `, result.zip)} (×${(result.zip.rssGrowthBytes / Math.max(result.single.rssGrowthBytes, 1)).toFixed(1)})`,
    "zip RSS growth < 20 MB",
  ],
);
console.log(JSON.stringify(result));
