import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { EdgeClient, endPm2HomeProcesses, pm2HomeProcesses, repoRoot } from "../src/index.js";
import { processesMentioning } from "./demo-process.js";
import { commandLine, descendants } from "./process-tree.js";

// Ctrl-C on `npm run demo` must leave nothing of the demo running, also after ComfyUI was
// restarted from the dashboard and while a restart is still under way. The terminal sends
// SIGINT to the whole foreground process group, so the test starts the demo in a group of
// its own and signals that group.

let stateDir: string;
let pm2Home: string;
let demo: ChildProcess;
let output = "";
let restartResults: boolean[] = [];
let exitCode: number | null = null;
let leftUnderPm2Home: string[] = [];
let leftMentioningState: string[] = [];

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), "comfycarry-demo-stop-"));
  pm2Home = join(stateDir, "pm2");
  demo = spawn(process.execPath, [join(repoRoot, "tools/stack/demo.mjs"), "--no-build", "--no-workload", "--port", "0", "--state-dir", stateDir], {
    cwd: repoRoot,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  demo.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  demo.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolveExit) => demo.once("exit", (code) => resolveExit(code)));

  await waitForOutput("ComfyCarry demo is running.", 240_000);
  const client = new EdgeClient(field("Dashboard / 控制台:").replace(/\/$/, ""));
  await client.login(field("Password / 密码:"));
  const instanceId = field("Instance / 实例:");

  // The same command the ComfyUI page's restart button sends, through the edge.
  for (let round = 0; round < 2; round += 1) {
    const result = await client.command(instanceId, "comfyui.restart", { wait_s: 60 }, 120_000);
    restartResults.push(result.ok);
  }
  const inFlight = client.command(instanceId, "comfyui.restart", { wait_s: 60 }, 120_000).catch(() => null);
  await new Promise((resolveDelay) => setTimeout(resolveDelay, 300));

  // On a loaded machine the demo's process may not run for a while when Ctrl-C arrives.
  // Stopping it for 200 ms around the signal makes that certain: a launcher that kills a
  // child slow to take the signal would end it before it stopped PM2.
  const demoScript = await demoScriptPid();
  process.kill(demoScript, "SIGSTOP");
  process.kill(-(demo.pid ?? 0), "SIGINT");
  await new Promise((resolveDelay) => setTimeout(resolveDelay, 200));
  try {
    process.kill(demoScript, "SIGCONT");
  } catch {
    // Gone already: its launcher killed it, which the checks below report.
  }
  exitCode = await Promise.race([exited, new Promise<null>((resolveTimeout) => setTimeout(() => resolveTimeout(null), 90_000))]);
  await inFlight;

  // A daemon that a late PM2 call spawns appears after the demo exited, so wait before checking.
  await new Promise((resolveDelay) => setTimeout(resolveDelay, 2_000));
  leftUnderPm2Home = await Promise.all((await pm2HomeProcesses(pm2Home)).map(commandLine));
  leftMentioningState = await processesMentioning(stateDir);
});

afterAll(async () => {
  if (demo.exitCode === null && demo.signalCode === null) {
    process.kill(-(demo.pid ?? 0), "SIGKILL");
  }
  await endPm2HomeProcesses(pm2Home);
  await rm(stateDir, { recursive: true, force: true });
});

function field(label: string): string {
  const line = output.split("\n").find((candidate) => candidate.trim().startsWith(label));
  if (line === undefined) {
    throw new Error(`the demo printed no "${label}" line; its output:\n${output}`);
  }
  return line.slice(line.indexOf(label) + label.length).trim();
}

/** Returns the pid of the process that runs demo.ts: the deepest one under demo.mjs that names it, below any wrapper. */
async function demoScriptPid(): Promise<number> {
  let found: number | undefined;
  for (const pid of await descendants(demo.pid ?? 0)) {
    if ((await commandLine(pid)).includes("tools/stack/src/demo.ts")) {
      found = pid;
    }
  }
  if (found === undefined) {
    throw new Error("no process runs tools/stack/src/demo.ts under the demo launcher");
  }
  return found;
}

async function waitForOutput(text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!output.includes(text)) {
    if (Date.now() > deadline || demo.exitCode !== null) {
      throw new Error(`the demo did not print "${text}"; its output:\n${output}`);
    }
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 250));
  }
}

describe("demo Ctrl-C after ComfyUI restarts", () => {
  it("restarted ComfyUI from the dashboard", () => {
    expect(restartResults).toEqual([true, true]);
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
