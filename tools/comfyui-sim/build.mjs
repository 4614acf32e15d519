// Bundles the simulator into dist/main.mjs for Node 22. ws, pngjs and jpeg-js stay external:
// they are dependencies of this package and resolve from node_modules at run time.
import { build } from "esbuild";

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/main.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  external: ["ws", "pngjs", "jpeg-js"],
  banner: { js: "#!/usr/bin/env node" },
  absWorkingDir: import.meta.dirname,
  logLevel: "warning",
});
