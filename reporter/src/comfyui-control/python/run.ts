/** Running ComfyUI's Python and git without a shell, with failures as data (habit 7). */
import { execa } from "execa";

/** The outcome of one child process, success or not. */
export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  /** The last lines of stderr, enough to show why it failed. */
  stderrTail: string;
}

/** Environment for children: the reporter's own, less its settings and token. */
export function childEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith("COMFYCARRY_")) {
      env[key] = value;
    }
  }
  return { ...env, ...extra };
}

/** Runs `file` with `args` in `cwd`; never throws for a non-zero exit. */
export async function run(file: string, args: readonly string[], options: { cwd: string; timeoutMs: number; signal?: AbortSignal; env?: Record<string, string> }): Promise<RunResult> {
  const result = await execa(file, args, {
    cwd: options.cwd,
    timeout: options.timeoutMs,
    ...(options.signal === undefined ? {} : { cancelSignal: options.signal }),
    env: options.env ?? childEnv(),
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    maxBuffer: 16 * 1024 * 1024,
  });
  return {
    exitCode: result.exitCode ?? null,
    signal: result.signal ?? null,
    timedOut: result.timedOut,
    stdout: result.stdout,
    stderrTail: result.stderr.split("\n").slice(-20).join("\n"),
  };
}

/** One line describing how a run ended, for error messages. */
export function describeEnd(result: RunResult): string {
  if (result.timedOut) {
    return "timed out";
  }
  if (result.signal !== null) {
    return `was killed by ${result.signal}`;
  }
  return `exited with status ${result.exitCode ?? "unknown"}`;
}
