/** The command handlers of the deploy engine, spread into the reporter's handler table. */
import { ComfyCarryError } from "@comfycarry/shared";
import type { deployCommands } from "@comfycarry/shared";

import type { CommandHandlers } from "../commands/executor.js";

export type DeployHandlers = Pick<CommandHandlers, keyof typeof deployCommands>;

/** Handlers for a reporter running without the deploy engine: every deploy command fails with `deploy_failed`. */
export function unavailableDeployHandlers(): DeployHandlers {
  const refuse = (): Promise<never> =>
    Promise.reject(new ComfyCarryError("deploy_failed", "this reporter runs without the deploy engine", { reason: "engine_unavailable" }));
  return { "deploy.plan": refuse, "deploy.start": refuse, "deploy.status": refuse, "deploy.retry": refuse };
}
