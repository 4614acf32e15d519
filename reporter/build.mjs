// Bundles the reporter into one ESM file, dist/reporter.mjs, for Node 22.
import { fileURLToPath } from "node:url";

import { build } from "esbuild";

import { pureSharedConstants } from "./build/pure-shared-constants.mjs";

/** Resolves every import of node:http to build/node-http-shim.mjs, which explains why. */
const nodeHttpShim = {
  name: "node-http-shim",
  setup(pluginBuild) {
    const shim = fileURLToPath(new URL("./build/node-http-shim.mjs", import.meta.url));
    pluginBuild.onResolve({ filter: /^(node:)?http$/ }, (args) => (args.importer === shim ? undefined : { path: shim }));
  },
};

/** Resolves zod's locales index to build/zod-locales-shim.mjs, which explains why. */
const zodEnglishOnly = {
  name: "zod-english-only",
  setup(pluginBuild) {
    const shim = fileURLToPath(new URL("./build/zod-locales-shim.mjs", import.meta.url));
    pluginBuild.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) => (/[\\/]zod[\\/]v4[\\/]/.test(args.importer) ? { path: shim } : undefined));
  },
};

/**
 * Gives pino-roll the five date-fns functions it uses instead of the whole library, each loaded
 * at its first call. pino-roll requires date-fns's index, which loads all of its 250-odd
 * modules at start-up: about 2.4 MB of heap in a bare Node process, against 1.2 MB for these
 * five. pino-roll calls them only for a `dateFormat` or `frequency` option, which the reporter
 * does not set, so they never load. Loaded at start, their 84 modules added 0.4 MB to the heap
 * left after two full collections when the bundle exits at its configuration check (Node 22.23,
 * three runs each).
 */
const dateFnsSubset = {
  name: "date-fns-subset",
  setup(pluginBuild) {
    pluginBuild.onResolve({ filter: /^date-fns$/ }, (args) => (/[\\/]pino-roll[\\/]/.test(args.importer) ? { path: "date-fns-subset", namespace: "date-fns-subset" } : undefined));
    pluginBuild.onLoad({ filter: /.*/, namespace: "date-fns-subset" }, () => ({
      contents: ["format", "addDays", "addHours", "parse", "isValid"].map((name) => `exports.${name} = (...args) => require("date-fns/${name}").${name}(...args);`).join("\n"),
      resolveDir: fileURLToPath(new URL(".", import.meta.url)),
      loader: "js",
    }));
  },
};

await build({
  entryPoints: ["src/main.ts"],
  // Tests build a copy elsewhere (test/build/bundle.test.ts).
  outfile: process.env.REPORTER_BUNDLE_OUTFILE ?? "dist/reporter.mjs",
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
  plugins: [pureSharedConstants, nodeHttpShim, zodEnglishOnly, dateFnsSubset],
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
