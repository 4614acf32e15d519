/** git for custom-node folders: argument arrays only, `--` before URLs, no ext transport, no prompts. */
import { ComfyCarryError } from "@comfycarry/shared";

import { childEnv, describeEnd, run } from "../python/run.js";

const GIT_TIMEOUT_MS = 10 * 60_000;

/** Runs git in `cwd`; a failure becomes `command_failed` with git's last lines. */
export async function git(args: string[], cwd: string, signal?: AbortSignal): Promise<string> {
  const result = await run("git", ["-c", "protocol.ext.allow=never", ...args], {
    cwd,
    timeoutMs: GIT_TIMEOUT_MS,
    env: childEnv({ GIT_TERMINAL_PROMPT: "0" }),
    ...(signal === undefined ? {} : { signal }),
  });
  if (result.exitCode !== 0) {
    throw new ComfyCarryError("command_failed", `git ${args[0] ?? ""} ${describeEnd(result)}: ${result.stderrTail}`.trim(), { git: args[0] ?? "" });
  }
  return result.stdout.trim();
}

/** Like `git`, but null on failure (no repository, no tag at HEAD). */
export async function gitOrNull(args: string[], cwd: string): Promise<string | null> {
  try {
    return await git(args, cwd);
  } catch {
    return null;
  }
}
