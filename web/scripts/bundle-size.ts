import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { z } from "zod";

// Measures the dashboard's initial JavaScript after `vite build`: the entry chunk plus
// every chunk it imports statically (what the browser must fetch before the first
// paint), each gzipped at level 9 as Vite's own report does. Lazily loaded chunks (pages,
// charts, the dark theme) are not counted. Writes one row into docs/benchmarks.md and
// exits 1 when the total is over the target.

const TARGET_KB = 200;
const ROW_NAME = "Dashboard initial JS (gzip)";

const webRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(webRoot, "dist");
const benchmarks = join(webRoot, "..", "docs", "benchmarks.md");

const manifestSchema = z.record(
  z.string(),
  z.object({ file: z.string(), isEntry: z.boolean().optional(), imports: z.array(z.string()).optional() }),
);

const manifestPath = join(dist, ".vite", "manifest.json");
const manifest = manifestSchema.parse(JSON.parse(readFileSync(manifestPath, "utf8")));

/** Collects the entry chunks and, transitively, their static imports. */
function initialChunks(): Set<string> {
  const seen = new Set<string>();
  const pending = Object.keys(manifest).filter((key) => manifest[key]?.isEntry === true);
  while (pending.length > 0) {
    const key = pending.pop();
    if (key === undefined || seen.has(key)) {
      continue;
    }
    seen.add(key);
    pending.push(...(manifest[key]?.imports ?? []));
  }
  return seen;
}

const files = [...initialChunks()].map((key) => manifest[key]?.file).filter((file): file is string => file !== undefined && file.endsWith(".js"));
const gzipBytes = files.reduce((sum, file) => sum + gzipSync(readFileSync(join(dist, file)), { level: 9 }).length, 0);
const totalKb = gzipBytes / 1000;

const HEADER = [
  "# Benchmarks",
  "",
  "Measured numbers, one row per measurement. Each row names the command that writes it; rerun that command to update the row.",
  "",
  "| Measurement | Value | Target | Command | Measured (UTC) |",
  "| --- | --- | --- | --- | --- |",
  "",
].join("\n");

const row = `| ${ROW_NAME} | ${totalKb.toFixed(1)} kB in ${files.length} files | ≤ ${TARGET_KB} kB | \`npm run build -w web\` (web/scripts/bundle-size.ts) | ${new Date().toISOString().slice(0, 10)} |`;

// Replace only this row; other measurements in the file belong to other scripts.
const text = existsSync(benchmarks) ? readFileSync(benchmarks, "utf8") : HEADER;
const lines = text.split("\n");
const index = lines.findIndex((line) => line.startsWith(`| ${ROW_NAME} |`));
if (index >= 0) {
  lines[index] = row;
} else {
  const lastTableLine = lines.findLastIndex((line) => line.startsWith("|"));
  lines.splice(lastTableLine + 1, 0, row);
}
writeFileSync(benchmarks, lines.join("\n"));

process.stdout.write(`initial JS: ${totalKb.toFixed(1)} kB gzip in ${files.length} files (target ≤ ${TARGET_KB} kB); row written to docs/benchmarks.md\n`);
if (totalKb > TARGET_KB) {
  process.stderr.write(`initial JS is over the ${TARGET_KB} kB target: move a dependency behind a dynamic import() or drop it\n`);
  process.exit(1);
}
