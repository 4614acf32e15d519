import { spawn, type ChildProcess } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

import { repoRoot } from "../src/index.js";

/** A real `npm run demo` (demo.mjs) in a process group of its own, as a terminal runs it. */
export interface DemoProcess {
  child: ChildProcess;
  /** Everything it printed so far, stdout and stderr together. */
  output: () => string;
  /** Resolves with the exit code, or null when it did not exit within `timeoutMs`. */
  exited: (timeoutMs: number) => Promise<number | null>;
  /** Sends `signal` to the whole group, as the terminal does on Ctrl-C or when it closes. */
  signalGroup: (signal: NodeJS.Signals) => void;
}

export function startDemo(stateDir: string): DemoProcess {
  const child = spawn(process.execPath, [join(repoRoot, "tools/stack/demo.mjs"), "--no-build", "--no-workload", "--port", "0", "--state-dir", stateDir], {
    cwd: repoRoot,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exit = new Promise<number | null>((resolveExit) => child.once("exit", (code) => resolveExit(code)));

  return {
    child,
    output: () => output,
    exited: (timeoutMs) => Promise.race([exit, new Promise<null>((resolveTimeout) => setTimeout(() => resolveTimeout(null), timeoutMs))]),
    signalGroup: (signal) => process.kill(-(child.pid ?? 0), signal),
  };
}

/** Kills whatever is left of the demo's group, for clean-up after a failed test. */
export function killDemo(demo: DemoProcess): void {
  if (demo.child.exitCode === null && demo.child.signalCode === null) {
    demo.signalGroup("SIGKILL");
  }
}

export async function waitForOutput(demo: DemoProcess, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!demo.output().includes(text)) {
    if (Date.now() > deadline || demo.child.exitCode !== null) {
      throw new Error(`the demo did not print "${text}"; its output:\n${demo.output()}`);
    }
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 250));
  }
}

/** Returns the command lines of processes whose arguments contain `text`, such as the demo's state folder. */
export async function processesMentioning(text: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) {
      continue;
    }
    const command = (await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "")).replaceAll("\0", " ");
    if (command.includes(text)) {
      found.push(command.trim());
    }
  }
  return found;
}
