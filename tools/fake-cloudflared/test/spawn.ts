import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";

import { FAKE_CLOUDFLARED } from "../src/index.js";

/** A running fake with its output collected as it arrives. */
export interface RunningFake {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  /** Resolves with the exit code. */
  exited: Promise<number>;
  /** Waits until stderr matches `pattern` and returns the match. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

export function startFake(args: string[], env: Record<string, string> = {}): RunningFake {
  const child = spawn(FAKE_CLOUDFLARED, args, { env: { ...process.env, FAKE_CLOUDFLARED_SEARCH_DIRS: "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  let stdout = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number>((resolve) => child.on("exit", (code, signal) => resolve(code ?? (signal === null ? -1 : 128))));

  return {
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    async waitFor(pattern, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = stderr.match(pattern);
        if (found !== null) {
          return found;
        }
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${pattern} in:\n${stderr}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
  };
}
