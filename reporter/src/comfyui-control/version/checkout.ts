/** The ComfyUI git checkout: its tags, where HEAD is, and moving HEAD. */
import { ComfyCarryError } from "@comfycarry/shared";

import { git, gitOrNull } from "../nodes/git.js";

export interface CurrentRef {
  commit: string;
  tag: string | null;
  branch: string | null;
}

export async function currentRef(dir: string): Promise<CurrentRef> {
  const commit = await gitOrNull(["rev-parse", "HEAD"], dir);
  if (commit === null) {
    throw new ComfyCarryError("command_failed", `${dir} is not a git checkout of ComfyUI; set COMFYUI_DIR to the folder that holds main.py and .git.`);
  }
  return {
    commit,
    tag: await gitOrNull(["describe", "--tags", "--exact-match", "HEAD"], dir),
    branch: await gitOrNull(["symbolic-ref", "--short", "-q", "HEAD"], dir),
  };
}

/** Tags, newest version first. */
export async function listTags(dir: string): Promise<string[]> {
  const out = await git(["tag", "--list", "--sort=-v:refname"], dir);
  return out === "" ? [] : out.split("\n");
}

/** Checks out a tag (detached) or returns to a branch or commit; `refs/...` and hex ids never read as options. */
export async function checkout(dir: string, target: { tag: string } | CurrentRef): Promise<void> {
  if ("tag" in target && !("commit" in target)) {
    await git(["checkout", "--quiet", "--detach", `refs/tags/${target.tag}`], dir);
    return;
  }
  if (target.branch !== null) {
    // A branch name read from `symbolic-ref` of this checkout; the trailing `--` ends the options.
    await git(["checkout", "--quiet", target.branch, "--"], dir);
    return;
  }
  await git(["checkout", "--quiet", "--detach", target.commit], dir);
}
