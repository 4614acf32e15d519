import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { endPm2HomeProcesses, paths, pm2HomeProcesses } from "../src/index.js";
import { commandLine } from "./process-tree.js";
import { killDemo, processesMentioning, startDemo, waitForOutput, type DemoProcess } from "./demo-process.js";

// Ctrl-C while the demo is still starting must stop it at once, and nothing may start after it.
// The signal goes to the demo's whole process group, as the terminal sends it.

describe("demo Ctrl-C during start-up", () => {
  let stateDir: string;
  let pm2Home: string;
  let demo: DemoProcess;
  let exitCode: number | null = null;
  let reporterStarted = false;
  let leftUnderPm2Home: string[] = [];
  let leftMentioningState: string[] = [];

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "comfycarry-demo-early-stop-"));
    pm2Home = join(stateDir, "pm2");
    demo = startDemo(stateDir);

    // The PM2 daemon starts before every service, and the address is printed only once all of them run.
    while ((await pm2HomeProcesses(pm2Home)).length === 0) {
      if (demo.child.exitCode !== null) {
        throw new Error(`the demo exited before its PM2 daemon started; its output:\n${demo.output()}`);
      }
      await new Promise((resolveDelay) => setTimeout(resolveDelay, 100));
    }
    demo.signalGroup("SIGINT");

    // The reporter starts last, a few seconds after ComfyUI responds, so seeing it means the start-up went on.
    // 50 s is below the 60 s wait for a first snapshot, which an uncancelled start-up runs into.
    const exit = demo.exited(50_000);
    let done = false;
    void exit.then(() => (done = true));
    while (!done) {
      reporterStarted ||= await reporterRuns(pm2Home);
      await new Promise((resolveDelay) => setTimeout(resolveDelay, 200));
    }
    exitCode = await exit;

    await new Promise((resolveDelay) => setTimeout(resolveDelay, 2_000));
    leftUnderPm2Home = await Promise.all((await pm2HomeProcesses(pm2Home)).map(commandLine));
    leftMentioningState = await processesMentioning(stateDir);
  });

  afterAll(async () => {
    killDemo(demo);
    await endPm2HomeProcesses(pm2Home);
    await rm(stateDir, { recursive: true, force: true });
  });

  it("starts no reporter after Ctrl-C", () => {
    expect(reporterStarted).toBe(false);
  });

  it("prints one stopping line", () => {
    expect(demo.output().split("\n").filter((line) => line.includes("stopping…"))).toEqual(["[comfycarry] stopping…"]);
  });

  it("exits with code 130", () => {
    expect(exitCode).toBe(130);
  });

  it("leaves no process of its PM2_HOME", () => {
    expect(leftUnderPm2Home).toEqual([]);
  });

  it("leaves no process using its state folder", () => {
    expect(leftMentioningState).toEqual([]);
  });
});

describe("demo Ctrl-C while the edge starts", () => {
  let stateDir: string;
  let pm2Home: string;
  let demo: DemoProcess;
  let exitCode: number | null = null;
  let leftMentioningState: string[] = [];

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "comfycarry-demo-edge-stop-"));
    pm2Home = join(stateDir, "pm2");
    demo = startDemo(stateDir);

    // wrangler dev names the state folder in its arguments, and it takes seconds to serve.
    while (!(await processesMentioning(stateDir)).some((command) => command.includes("wrangler"))) {
      if (demo.child.exitCode !== null) {
        throw new Error(`the demo exited before wrangler dev started; its output:\n${demo.output()}`);
      }
      await new Promise((resolveDelay) => setTimeout(resolveDelay, 100));
    }
    demo.signalGroup("SIGINT");

    // 50 s is below the 60 s wait for the edge, which an uncancelled start-up runs into once wrangler has ended.
    exitCode = await demo.exited(50_000);
    leftMentioningState = await processesMentioning(stateDir);
  });

  afterAll(async () => {
    killDemo(demo);
    await endPm2HomeProcesses(pm2Home);
    await rm(stateDir, { recursive: true, force: true });
  });

  it("exits with code 130", () => {
    expect(exitCode).toBe(130);
  });

  it("leaves no process using its state folder", () => {
    expect(leftMentioningState).toEqual([]);
  });
});

// Closing the terminal sends SIGHUP to the demo's group, and later writes to the terminal fail.
// The demo must still stop everything it started.

describe("demo closing the terminal", () => {
  let stateDir: string;
  let pm2Home: string;
  let demo: DemoProcess;
  let exitCode: number | null = null;
  let leftUnderPm2Home: string[] = [];
  let leftMentioningState: string[] = [];

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), "comfycarry-demo-hangup-"));
    pm2Home = join(stateDir, "pm2");
    demo = startDemo(stateDir);
    await waitForOutput(demo, "ComfyCarry demo is running.", 240_000);

    // Closing the pipes makes the demo's writes fail, as writes to a closed terminal do.
    demo.child.stdout?.destroy();
    demo.child.stderr?.destroy();
    demo.signalGroup("SIGHUP");
    exitCode = await demo.exited(90_000);

    // A daemon that a late PM2 call spawns appears after the demo exited, so wait before checking.
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 2_000));
    leftUnderPm2Home = await Promise.all((await pm2HomeProcesses(pm2Home)).map(commandLine));
    leftMentioningState = await processesMentioning(stateDir);
  });

  afterAll(async () => {
    killDemo(demo);
    await endPm2HomeProcesses(pm2Home);
    await rm(stateDir, { recursive: true, force: true });
  });

  it("exits with code 0", () => {
    expect(exitCode).toBe(0);
  });

  it("leaves no process of its PM2_HOME", () => {
    expect(leftUnderPm2Home).toEqual([]);
  });

  it("leaves no process using its state folder", () => {
    expect(leftMentioningState).toEqual([]);
  });
});

/** Returns true when a process under `pm2Home` runs the reporter, whose script PM2 sets in pm_exec_path. */
async function reporterRuns(pm2Home: string): Promise<boolean> {
  for (const pid of await pm2HomeProcesses(pm2Home)) {
    const environ = await readFile(`/proc/${String(pid)}/environ`, "utf8").catch(() => "");
    if (environ.split("\0").includes(`pm_exec_path=${paths.reporterEntry}`)) {
      return true;
    }
  }
  return false;
}
