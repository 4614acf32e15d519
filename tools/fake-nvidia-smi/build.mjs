// Bundles src/main.ts into one ESM file so `bin/nvidia-smi` starts with a single module load.
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/nvidia-smi.js",
  bundle: true,
  platform: "node",
  format: "esm",
  // The system node may be v20 while npm scripts use v22; the bundle must run on both.
  target: "node20",
  minify: true,
  legalComments: "none",
  logLevel: "warning",
  absWorkingDir: import.meta.dirname,
});
