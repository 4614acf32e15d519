import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const reporterDir = resolve(import.meta.dirname, "../..");

let dir: string;
let loaded: string[];
let source: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "reporter-bundle-"));
  const bundle = join(dir, "reporter.mjs");
  await run(process.execPath, ["build.mjs"], { cwd: reporterDir, env: { ...process.env, REPORTER_BUNDLE_OUTFILE: bundle } });
  source = await readFile(bundle, "utf8");

  // Without an instance token the reporter stops at its configuration check, after every
  // module of the bundle has been evaluated; the preload prints the built-in modules then.
  const preload = join(dir, "list-modules.cjs");
  await writeFile(preload, 'process.on("exit", () => process.stderr.write("MODULES " + JSON.stringify(process.moduleLoadList) + "\\n"));');
  const child = await run(process.execPath, ["--require", preload, bundle], { cwd: dir, env: { PATH: process.env["PATH"] ?? "", HOME: dir } }).catch((error: { stderr: string }) => error);
  const line = child.stderr.split("\n").find((text) => text.startsWith("MODULES ")) ?? "MODULES []";
  loaded = JSON.parse(line.slice("MODULES ".length)) as string[];
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
});
