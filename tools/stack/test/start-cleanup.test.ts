import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { pm2HomeProcesses, Stack } from "../src/index.js";
import { commandLine, descendants } from "./process-tree.js";

// A reporter that cannot start must not leave the parts started before it running:
// wrangler dev and workerd, the PM2 daemon, ComfyUI under it, the link relay.

let stateDir: string;
let failure: unknown;
let leftChildren: string[];
let leftUnderPm2Home: string[];

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "comfycarry-start-cleanup-"));
  const brokenReporter = join(stateDir, "broken-reporter.mjs");
  await writeFile(brokenReporter, 'console.error("simulated start failure");\nprocess.exit(1);\n');
  const before = new Set(await descendants(process.pid));

  failure = await Stack.start({ stateDir, stepMs: 20, startupMs: 200, cuttableLink: true, reporterEntry: brokenReporter }).then(
    async (stack) => {
      await stack.stop();
      return null;
    },
    (error: unknown) => error,
  );

  const children = (await descendants(process.pid)).filter((pid) => !before.has(pid));
  leftChildren = await Promise.all(children.map(commandLine));
  leftUnderPm2Home = await Promise.all((await pm2HomeProcesses(join(stateDir, "pm2"))).map(commandLine));
});

afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe("Stack.start with a reporter that exits at once", () => {
  it("rejects with the reporter's PM2 status", () => {
    expect(failure instanceof Error ? failure.message : String(failure)).toMatch(/kept exiting during start-up \(PM2 status "[a-z ]+" after [3-9] restarts\)/);
  });

  it("leaves no child process", () => {
    expect(leftChildren).toEqual([]);
  });

  it("leaves no process of its PM2_HOME", () => {
    expect(leftUnderPm2Home).toEqual([]);
  });
});
