/** The command handlers of the deploy engine, spread into the reporter's handler table. */
import { ComfyCarryError } from "@comfycarry/shared";
import type { deployCommands } from "@comfycarry/shared";

import type { CommandHandlers } from "../commands/executor.js";
import type { DeployDeps } from "./context.js";
import type { DeployEngine } from "./engine.js";
import { deployPlan } from "./plan.js";
import type { DeploySettings } from "./settings.js";

export type DeployHandlers = Pick<CommandHandlers, keyof typeof deployCommands>;

/** Handlers over a running engine; `deploy.start` and `deploy.retry` return once the run is under way. */
export function createDeployHandlers(engine: DeployEngine, settings: DeploySettings, deps: DeployDeps): DeployHandlers {
  return {
    "deploy.plan": () => deployPlan(engine, settings, deps),
    "deploy.start": async (request, { log }) => {
      const started = await engine.start(request);
      log.info({ deployId: started.deploy_id, mode: request.mode, nodes: request.custom_nodes.length }, "deploy requested");
      return started;
    },
    "deploy.status": ({ deploy_id: deployId }) => Promise.resolve(engine.status(deployId)),
    "deploy.retry": ({ deploy_id: deployId }) => engine.retry(deployId),
  };
}

/** Handlers for a reporter running without the deploy engine: every deploy command fails with `deploy_failed`. */
export function unavailableDeployHandlers(): DeployHandlers {
  const refuse = (): Promise<never> =>
    Promise.reject(new ComfyCarryError("deploy_failed", "this reporter runs without the deploy engine", { reason: "engine_unavailable" }));
  return { "deploy.plan": refuse, "deploy.start": refuse, "deploy.status": refuse, "deploy.retry": refuse };
}
