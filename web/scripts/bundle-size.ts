import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

import { z } from "zod";

// Measures the dashboard's initial JavaScript after `vite build`: what the browser must
// fetch before the first paint of a light-theme visitor. That is the entry chunk, every
// chunk it imports statically, and the dynamically imported chunks main.ts awaits before
// mounting. Of those, only the active locale's messages vary, so the larger locale is
// counted. Each file is gzipped at level 9 as Vite's own report does. Chunks the router
// loads after mount (pages with their layout and header, charts) and the dark theme,
// which only dark-theme visitors await, are not counted. The build only prints the figure
// and warns over the target, so a size regression never stops a demo or a deploy. With
// --record (`npm run bundle-size -w web`) it writes one row into docs/benchmarks.md and
// exits 1 when the total is over the target.

const TARGET_KB = 200;
const record = process.argv.includes("--record");
const ROW_NAME = "Dashboard initial JS (gzip)";

const webRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(webRoot, "dist");
const benchmarks = join(webRoot, "..", "docs", "benchmarks.md");

/**
 * Dynamic imports the first render waits for, as groups of manifest keys (source paths
 * relative to web/). A visitor loads one member of each group, so the largest counts.
 */
const AWAITED_BEFORE_MOUNT: readonly (readonly string[])[] = [["src/locales/enMessages.ts", "src/locales/zhCNMessages.ts"]];

/** The naive-ui dark theme, which main.ts awaits before mount only for dark-theme visitors. */
const DARK_THEME_KEY_SUFFIX = "naive-ui/es/themes/dark.mjs";

const manifestSchema = z.record(
  z.string(),
  z.object({ file: z.string(), name: z.string().optional(), isEntry: z.boolean().optional(), imports: z.array(z.string()).optional() }),
);

const manifestPath = join(dist, ".vite", "manifest.json");
const manifest = manifestSchema.parse(JSON.parse(readFileSync(manifestPath, "utf8")));

/** Collects the `start` chunks and, transitively, their static imports, skipping `known`. */
function staticClosure(start: readonly string[], known: ReadonlySet<string>): Set<string> {
  const seen = new Set<string>();
  const pending = [...start];
  while (pending.length > 0) {
    const key = pending.pop();
    if (key === undefined || seen.has(key) || known.has(key)) {
      continue;
    }
    seen.add(key);
    pending.push(...(manifest[key]?.imports ?? []));
  }
  return seen;
}

/** Returns the gzip size in bytes of the JavaScript files among `keys`. */
function gzipSize(keys: Iterable<string>): number {
  let bytes = 0;
  for (const key of keys) {
    const file = manifest[key]?.file;
    if (file !== undefined && file.endsWith(".js")) {
      bytes += gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
    }
  }
  return bytes;
}

const initial = staticClosure(
  Object.keys(manifest).filter((key) => manifest[key]?.isEntry === true),
  new Set(),
);
const entryBytes = gzipSize(initial);

// For each awaited group, add the largest member with the static imports it does not
// share with the entry. A missing key means a loader was renamed: fail rather than
// silently measure less.
const awaitedParts: string[] = [];
let awaitedBytes = 0;
for (const group of AWAITED_BEFORE_MOUNT) {
  let largest = { key: "", chunks: new Set<string>(), bytes: -1 };
  for (const key of group) {
    if (manifest[key] === undefined) {
      process.stderr.write(`${key} is not in ${manifestPath}: update AWAITED_BEFORE_MOUNT in web/scripts/bundle-size.ts to the chunks main.ts awaits\n`);
      process.exit(1);
    }
    // When shipped code also imports the module statically, the build moves its body into
    // a chunk of the same name that the entry imports, leaving only a facade for the key.
    const chunkName = manifest[key]?.name;
    const staticCopy = [...initial].some((chunk) => manifest[chunk]?.name === chunkName);
    if (initial.has(key) || staticCopy) {
      process.stderr.write(`${key} is imported statically by the entry, so every visitor downloads it: load it through a dynamic import() (for locales, i18n/load.ts) and keep i18n/eager.ts to tests\n`);
      process.exit(1);
    }
    const chunks = staticClosure([key], initial);
    const bytes = gzipSize(chunks);
    if (bytes > largest.bytes) {
      largest = { key, chunks, bytes };
    }
  }
  for (const chunk of largest.chunks) {
    initial.add(chunk);
  }
  awaitedBytes += largest.bytes;
  awaitedParts.push(`${largest.key} ${(largest.bytes / 1000).toFixed(1)} kB`);
}

// Reported beside the figure, not in it, so the row stays comparable with earlier ones.
const darkThemeKey = Object.keys(manifest).find((key) => key.endsWith(DARK_THEME_KEY_SUFFIX));
const darkThemeBytes = darkThemeKey === undefined ? 0 : gzipSize(staticClosure([darkThemeKey], initial));
const darkThemeNote = `dark-theme visitors also await ${(darkThemeBytes / 1000).toFixed(1)} kB`;

const files = [...initial].map((key) => manifest[key]?.file).filter((file): file is string => file !== undefined && file.endsWith(".js"));
const totalKb = (entryBytes + awaitedBytes) / 1000;

const HEADER = [
  "# Benchmarks",
  "",
  "Measured numbers, one row per measurement. Each row names the command that writes it; rerun that command to update the row.",
  "",
  "| Measurement | Value | Target | Command | Measured (UTC) |",
  "| --- | --- | --- | --- | --- |",
  "",
].join("\n");

const row = `| ${ROW_NAME} | ${totalKb.toFixed(1)} kB in ${files.length} files, ${(awaitedBytes / 1000).toFixed(1)} kB of it awaited before mount (largest locale); ${darkThemeNote}, not counted | ≤ ${TARGET_KB} kB | \`npm run bundle-size -w web\` (web/scripts/bundle-size.ts) | ${new Date().toISOString().slice(0, 10)} |`;

const breakdown = `entry and static imports ${(entryBytes / 1000).toFixed(1)} kB; awaited before mount: ${awaitedParts.join(", ")}; ${darkThemeNote}, not counted`;
if (!record) {
  process.stdout.write(`initial JS: ${totalKb.toFixed(1)} kB gzip in ${files.length} files (${breakdown}; target ≤ ${TARGET_KB} kB)\n`);
  if (totalKb > TARGET_KB) {
    process.stderr.write(`warning: initial JS is over the ${TARGET_KB} kB target: move a dependency behind a dynamic import() or drop it, then run npm run bundle-size -w web\n`);
  }
  process.exit(0);
}

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

process.stdout.write(`initial JS: ${totalKb.toFixed(1)} kB gzip in ${files.length} files (${breakdown}; target ≤ ${TARGET_KB} kB); row written to docs/benchmarks.md\n`);
if (totalKb > TARGET_KB) {
  process.stderr.write(`initial JS is over the ${TARGET_KB} kB target: move a dependency behind a dynamic import() or drop it\n`);
  process.exit(1);
}
