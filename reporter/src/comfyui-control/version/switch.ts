/**
 * Switching ComfyUI to a tag: stop, check out, install requirements under the torch
 * constraints, start with the saved launch options, and roll back when the new version
 * does not answer within the time limit.
 */
import { join } from "node:path";

import { ComfyCarryError } from "@comfycarry/shared";

import type { Logger } from "../../log/logger.js";
import type { LaunchPlanner } from "../launch/planner.js";
import type { LaunchStore } from "../launch/store.js";
import type { ProcessControl } from "../process/control.js";
import { installRequirements } from "../python/pip.js";
import type { ControlSettings } from "../settings.js";
import { checkout, currentRef, listTags } from "./checkout.js";
import type { CurrentRef } from "./checkout.js";

export interface SwitchResult {
  from: string;
  to: string;
  online: boolean;
  rolled_back: boolean;
  reason: string | null;
}

export interface VersionDeps {
  settings: ControlSettings;
  process: ProcessControl;
  planner: LaunchPlanner;
  store: LaunchStore;
  log: Logger;
}

function describeRef(ref: CurrentRef): string {
  return ref.tag ?? ref.branch ?? ref.commit.slice(0, 12);
}

export async function switchVersion(deps: VersionDeps, tag: string, waitS: number, signal?: AbortSignal): Promise<SwitchResult> {
  const dir = deps.settings.comfyuiDir;
  const tags = await listTags(dir);
  if (!tags.includes(tag)) {
    throw new ComfyCarryError("invalid_arguments", `ComfyUI has no tag "${tag}"; pick one of: ${tags.slice(0, 10).join(", ")}.`, { tag });
  }
  const from = await currentRef(dir);
  const log = deps.log.child({ from: describeRef(from), to: tag });

  await deps.process.stop();
  let reason: string;
  try {
    await checkout(dir, { tag });
    await installRequirements(deps.settings, join(dir, "requirements.txt"), signal);
    // The new version may accept other options, so the saved ones are checked again against its --help.
    const plan = await deps.planner.plan(await deps.store.load());
    await deps.process.restart(waitS, signal, plan.args);
    log.info("ComfyUI switched version");
    return { from: describeRef(from), to: tag, online: true, rolled_back: false, reason: null };
  } catch (error) {
    reason = error instanceof Error ? error.message : String(error);
    log.warn({ err: error }, "the new ComfyUI version did not come online; rolling back");
  }

  await deps.process.stop();
  await checkout(dir, from);
  await installRequirements(deps.settings, join(dir, "requirements.txt"), signal);
  const plan = await deps.planner.plan(await deps.store.load());
  const back = await deps.process.restart(waitS, signal, plan.args).then(
    (result) => result.online,
    () => false,
  );
  return { from: describeRef(from), to: tag, online: back, rolled_back: true, reason };
}
