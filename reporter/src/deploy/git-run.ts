/** git through the step's child runner: argument arrays, `--` before URLs, no ext transport, no prompts. */
import { childEnv, run } from "../comfyui-control/python/run.js";
import type { StepContext } from "./context.js";
import { DeployStepError, describeExit } from "./context.js";

const GIT_ENV = { GIT_TERMINAL_PROMPT: "0" };

/** Runs git in `cwd`; a failure fails the step with git's last lines. */
export async function stepGit(context: StepContext, args: string[], cwd: string): Promise<void> {
  const result = await context.run("git", ["-c", "protocol.ext.allow=never", ...args], cwd, childEnv(GIT_ENV));
  if (result.exitCode !== 0) {
    throw new DeployStepError("git_failed", `git ${args[0] ?? ""} ${describeExit(result)}: ${result.tail.slice(-5).join(" | ")}`);
  }
}

/**
 * Runs a read-only git query (rev-parse, ls-remote) and returns its output lines, or null
 * when it fails. Queries are not tracked as children: one left behind by a killed reporter changes nothing.
 */
export async function gitOutput(args: string[], cwd: string): Promise<string[] | null> {
  const result = await run("git", ["-c", "protocol.ext.allow=never", ...args], { cwd, timeoutMs: 120_000, env: childEnv(GIT_ENV) });
  if (result.exitCode !== 0) {
    return null;
  }
  return result.stdout.split("\n").filter((line) => line !== "");
}

/** Returns the folder a repository installs into: the last path part without `.git`. */
export function repositoryFolder(url: string): string {
  const last = url.replace(/\/+$/, "").split("/").at(-1) ?? "";
  return last.replace(/\.git$/, "");
}

/** Stable tags (vX.Y.Z without a suffix) from `git ls-remote --tags` lines, newest first. */
export function stableTags(lines: string[]): string[] {
  const tags = lines
    .map((line) => /refs\/tags\/(v?(\d+)\.(\d+)\.(\d+))$/.exec(line.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ tag: match[1] ?? "", parts: [Number(match[2]), Number(match[3]), Number(match[4])] }));
  tags.sort((left, right) => compareParts(right.parts, left.parts));
  return tags.map((entry) => entry.tag);
}

/** Picks the newest stable tag; null when the repository has none. */
export function newestStableTag(lines: string[]): string | null {
  return stableTags(lines)[0] ?? null;
}

function compareParts(left: number[], right: number[]): number {
  for (let index = 0; index < 3; index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) {
      return difference;
    }
  }
  return 0;
}
