// Bundles the reporter into one ESM file, dist/reporter.mjs, for Node 22.
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

/** Resolves every import of node:http to build/node-http-shim.mjs, which says why. */
const nodeHttpShim = {
  name: "node-http-shim",
  setup(pluginBuild) {
    const shim = fileURLToPath(new URL("./build/node-http-shim.mjs", import.meta.url));
    pluginBuild.onResolve({ filter: /^(node:)?http$/ }, (args) => (args.importer === shim ? undefined : { path: shim }));
  },
};

await build({
  entryPoints: ["src/main.ts"],
  outfile: "dist/reporter.mjs",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  sourcemap: true,
  // Comments and indentation are a third of the bundle, and a few non-ASCII characters in
  // comments made V8 hold the whole source as a two-byte string (4.2 MB of heap). Names
  // stay, so stack traces stay readable; the source map maps their columns back.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "info",
  plugins: [nodeHttpShim],
  // pm2 loads its own modules by path at run time and spawns its daemon from its package
  // folder. ws requires its optional native helpers inside try/catch, so they may be absent.
  // sharp loads its prebuilt libvips binding from its own package folder at run time. The
  // gallery's upload page serves tus-js-client's browser build from its package folder, so it
  // is listed here for the bootstrap to install, though nothing imports it.
  external: ["pm2", "bufferutil", "utf-8-validate", "sharp", "tus-js-client"],
  // Bundled CommonJS packages call require() for Node built-ins (systeminformation, pino)
  // and read __filename (write-file-atomic names its temp files after it), which an ES
  // module does not define.
  banner: {
    js: [
      'import { createRequire as __ccCreateRequire } from "node:module";',
      'import { fileURLToPath as __ccFileURLToPath } from "node:url";',
      'import { dirname as __ccDirname } from "node:path";',
      "const require = __ccCreateRequire(import.meta.url);",
      "const __filename = __ccFileURLToPath(import.meta.url);",
      "const __dirname = __ccDirname(__filename);",
    ].join(" "),
  },
});
