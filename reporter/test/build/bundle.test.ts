import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const reporterDir = resolve(import.meta.dirname, "../..");

/** esbuild's wrapper around each bundled CommonJS module, which evaluates it at its first require. */
const COMMONJS_WRAPPER = "var __commonJS=(cb,mod)=>function(){";

let dir: string;
let loaded: string[];
let evaluated: string[];
let source: string;

beforeAll(async () => {
  // The bundle imports pm2's RPC modules from node_modules, so the copy runs from a folder whose
  // parents hold them. From the system's temp folder that import fails before any module runs.
  dir = await mkdtemp(join(reporterDir, "node_modules", ".reporter-bundle-"));
  const bundle = join(dir, "reporter.mjs");
  await run(process.execPath, ["build.mjs"], { cwd: reporterDir, env: { ...process.env, REPORTER_BUNDLE_OUTFILE: bundle } });
  source = await readFile(bundle, "utf8");

  // A copy prints the path of each bundled CommonJS module when its wrapper first runs it.
  if (!source.includes(COMMONJS_WRAPPER)) {
    throw new Error(`the bundle has no "${COMMONJS_WRAPPER}"; update COMMONJS_WRAPPER to the esbuild release's helper`);
  }
  const instrumented = join(dir, "reporter-instrumented.mjs");
  await writeFile(instrumented, source.replace(COMMONJS_WRAPPER, `${COMMONJS_WRAPPER}if(!mod)process.stderr.write("EVALUATED "+__getOwnPropNames(cb)[0]+"\\n");`));

  // Without an instance token the reporter stops at its configuration check, after every
  // module of the bundle has been evaluated; the preload prints the built-in modules then.
  const preload = join(dir, "list-modules.cjs");
  await writeFile(preload, 'process.on("exit", () => process.stderr.write("MODULES " + JSON.stringify(process.moduleLoadList) + "\\n"));');
  const child = await run(process.execPath, ["--require", preload, instrumented], { cwd: dir, env: { PATH: process.env["PATH"] ?? "", HOME: dir } }).catch((error: { stderr: string }) => error);
  const lines = child.stderr.split("\n");
  const line = lines.find((text) => text.startsWith("MODULES ")) ?? "MODULES []";
  loaded = JSON.parse(line.slice("MODULES ".length)) as string[];
  evaluated = lines.filter((text) => text.startsWith("EVALUATED ")).map((text) => text.slice("EVALUATED ".length));
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("reporter bundle at start-up", () => {
  it("evaluates its modules", () => {
    expect(loaded).toContain("NativeModule sqlite");
  });

  it("does not load undici", () => {
    expect(loaded.filter((name) => name.includes("undici"))).toEqual([]);
  });

  it("does not load http2", () => {
    expect(loaded.filter((name) => name.endsWith(" http2"))).toEqual([]);
  });

  // The build plugins match zod's and pino-roll's import paths; these fail if a release moves them.
  it("leaves out zod's other locales", () => {
    expect(source.includes("Nieprawid")).toBe(false);
  });

  it("leaves out the date-fns functions pino-roll does not use", () => {
    expect(source.includes("formatDistanceStrict")).toBe(false);
  });

  // Only the dashboard reads these two: fleet history and the browser's messages to the edge.
  it("leaves out shared schemas it never reads", () => {
    expect(source.includes("historyResponseSchema")).toBe(false);
    expect(source.includes("browserMessageSchema")).toBe(false);
  });

  it("keeps the shared schemas it reads", () => {
    expect(source.includes("edgeToReporterMessageSchema")).toBe(true);
  });

  it("evaluates pino-roll", () => {
    expect(evaluated.filter((path) => path.includes("node_modules/pino-roll/"))).not.toEqual([]);
  });

  it("does not evaluate date-fns", () => {
    expect(evaluated.filter((path) => path.includes("node_modules/date-fns/"))).toEqual([]);
  });
});
