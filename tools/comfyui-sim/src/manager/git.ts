/** git as Manager runs it: argument arrays, no shell, `--` before every URL. */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export async function git(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await run("git", args, { cwd, maxBuffer: 8 * 1024 * 1024 });
  return stdout.trim();
}

/** Like `git`, but returns null when git fails (no repository, no tag). */
export async function gitOrNull(args: string[], cwd?: string): Promise<string | null> {
  try {
    return await git(args, cwd);
  } catch {
    return null;
  }
}

export async function clone(url: string, target: string): Promise<void> {
  await git(["clone", "--quiet", "--", url, target]);
}

/** Tags of a checkout, newest version first. */
export async function tags(dir: string): Promise<string[]> {
  const out = await gitOrNull(["tag", "--list", "--sort=-v:refname"], dir);
  return out === null || out === "" ? [] : out.split("\n");
}

export async function checkoutTag(dir: string, tag: string): Promise<void> {
  await git(["checkout", "--quiet", "--detach", `refs/tags/${tag}`], dir);
}
