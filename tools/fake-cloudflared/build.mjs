// Bundles src/main.ts into one ESM file so `bin/cloudflared` starts with a single module load.
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

import { build } from "esbuild";

const outfile = join(import.meta.dirname, "dist", "cloudflared.js");

const result = await build({
  entryPoints: ["src/main.ts"],
  outfile,
  bundle: true,
  platform: "node",
  format: "esm",
  // The system node may be v20 while npm scripts use v22; the bundle must run on both.
  target: "node20",
  minify: true,
  // yaml is CommonJS and requires node built-ins; an ESM bundle needs a real `require` for them.
  banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
  legalComments: "none",
  logLevel: "warning",
  absWorkingDir: import.meta.dirname,
  write: false,
});

// Several test suites build before running; a temp file and a rename keep a running
// cloudflared from ever loading a half-written bundle.
await mkdir(dirname(outfile), { recursive: true });
for (const file of result.outputFiles) {
  const temp = `${file.path}.${process.pid}.tmp`;
  await writeFile(temp, file.contents);
  await rename(temp, file.path);
}
