/** The command handlers of the Workflows page, spread into the reporter's handler table. */
import { ComfyCarryError, workflowsCommands } from "@comfycarry/shared";
import type { CommandArgs, CommandResultData } from "@comfycarry/shared";

import type { CommandHandlers } from "../commands/executor.js";
import { installMissing } from "./installer.js";
import type { InstallerDeps } from "./installer.js";
import type { WorkflowsService } from "./service.js";

export type WorkflowsHandlers = Pick<CommandHandlers, keyof typeof workflowsCommands>;

/** Queues a prompt through the on-demand gate. */
export type SubmitPrompt = (args: CommandArgs<"workflows.prompt.submit">) => Promise<CommandResultData<"workflows.prompt.submit">>;

/** Applies a changed pull policy to the restore; returns whether a rule changed. */
export type PolicyChanged = (excludedFromRestore: string[]) => Promise<boolean>;

export function createWorkflowsHandlers(service: WorkflowsService, installer: InstallerDeps, submit: SubmitPrompt, policyChanged: PolicyChanged): WorkflowsHandlers {
  return {
    "workflows.list": () => service.list(),
    "workflows.upload": ({ path, content, overwrite }) => service.upload(path, content, overwrite),
    "workflows.install_missing": ({ path, restart }) => installMissing(installer, path, restart),
    "workflows.manifest": () => service.writeInstanceManifest(),
    "workflows.prompt.submit": (args) => submit(args),
    "workflows.pull_policy.get": () => Promise.resolve(service.policies.view()),
    "workflows.pull_policy.set": async ({ folder, policy }, { log }) => {
      const view = await service.policies.set(folder, policy);
      try {
        await policyChanged(service.policies.excludedFromRestore());
      } catch (error) {
        // The policy is saved; the restore rule keeps its old excludes until the next change.
        log.error({ err: error, folder, policy }, "models restore rule could not be updated to the new pull policy");
      }
      return view;
    },
  };
}

/** Handlers for a reporter whose workflows feature did not start: each rejects with the reason. */
export function unavailableWorkflowsHandlers(reason: string): WorkflowsHandlers {
  const reject = (): Promise<never> => Promise.reject(new ComfyCarryError("command_failed", `The workflows feature is not running: ${reason}`));
  return Object.fromEntries(Object.keys(workflowsCommands).map((name) => [name, reject])) as unknown as WorkflowsHandlers;
}
