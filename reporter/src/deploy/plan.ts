/** `deploy.plan`: the step list, the values the wizard pre-fills, and what is installed already. */
import { existsSync } from "node:fs";
import { join } from "node:path";

import { deployRequestSchema } from "@comfycarry/shared";
import type { CommandResultData } from "@comfycarry/shared";

import type { DeployDeps } from "./context.js";
import type { DeployEngine } from "./engine.js";
import { gitOutput, stableTags } from "./git-run.js";
import type { DeploySettings } from "./settings.js";

const MAX_TAGS = 200;

export async function deployPlan(engine: DeployEngine, settings: DeploySettings, deps: DeployDeps): Promise<CommandResultData<"deploy.plan">> {
  const latest = engine.store.latestRun();
  const defaults = latest?.request ?? deployRequestSchema.parse({ mode: "fresh", launch_options: await deps.control.launch.store.load() });
  const repository = defaults.comfyui_repository ?? settings.defaultRepository;
  const tags = await gitOutput(["ls-remote", "--tags", "--", repository], settings.workspaceDir).catch(() => null);

  return {
    steps: [...engine.stepIds],
    defaults,
    deployed: engine.store.everSucceeded(),
    running_deploy_id: engine.runningId,
    installed: await installed(settings, deps),
    comfyui_tags: tags === null ? [] : stableTags(tags).slice(0, MAX_TAGS),
  };
}

async function installed(settings: DeploySettings, deps: DeployDeps): Promise<CommandResultData<"deploy.plan">["installed"]> {
  const dir = settings.comfyuiDir;
  if (!existsSync(join(dir, "main.py"))) {
    return null;
  }
  const isGit = existsSync(join(dir, ".git"));
  const commit = isGit ? ((await gitOutput(["rev-parse", "HEAD"], dir))?.[0] ?? null) : null;
  const tag = isGit ? ((await gitOutput(["describe", "--tags", "--exact-match", "HEAD"], dir))?.[0] ?? null) : null;
  return { path: dir, commit, tag, python: deps.control.settings.python };
}
