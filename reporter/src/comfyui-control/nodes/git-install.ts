/** Installing a pack from a git URL without ComfyUI-Manager, which is down whenever ComfyUI is. */
import { rm } from "node:fs/promises";
import { join } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";

import type { Logger } from "../../log/logger.js";
import { installRequirements } from "../python/pip.js";
import type { ControlSettings } from "../settings.js";
import { git } from "./git.js";
import { checkGitUrl } from "./git-url.js";
import type { LocalPacks } from "./local-packs.js";

export interface GitInstallResult {
  name: string;
  commit: string;
  requirements: boolean;
}

/** Clones `raw` into custom_nodes (at `commit` when given) and installs its requirements.txt. */
export async function installFromGit(settings: ControlSettings, packs: LocalPacks, log: Logger, raw: string, commit?: string, signal?: AbortSignal): Promise<GitInstallResult> {
  const { url, folder } = checkGitUrl(raw);
  if (packs.existing(folder) !== null) {
    throw new ComfyCarryError("invalid_arguments", `A custom node folder named "${folder}" already exists; uninstall it first or update it instead.`, { name: folder });
  }

  const dir = join(packs.customNodesDir, folder);
  try {
    await git(["clone", "--quiet", "--", url, dir], packs.customNodesDir, signal);
    if (commit !== undefined) {
      await git(["checkout", "--quiet", "--detach", commit], dir, signal);
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  const requirements = await installRequirements(settings, join(dir, "requirements.txt"), signal);
  const head = await git(["rev-parse", "HEAD"], dir);
  log.info({ url, folder, commit: head, requirements }, "custom node pack installed from git");
  return { name: folder, commit: head, requirements };
}
