import { ComfyCarryError } from "@comfycarry/shared";

import type { CommandHandlers } from "../commands/executor.js";
import type { TokenFiles } from "./token-files.js";

export type SecretsCommandName = "secrets.set" | "secrets.clear";
export type SecretsHandlers = Pick<CommandHandlers, SecretsCommandName>;

/** `secrets.set` and `secrets.clear`: the edge handing this instance a token, or taking it back. */
export function createSecretsHandlers(tokens: TokenFiles): SecretsHandlers {
  return {
    "secrets.set": async ({ name, value }) => ({ name, sha256: await tokens.set(name, value) }),
    "secrets.clear": async ({ name }) => ({ name, cleared: await tokens.clear(name) }),
  };
}

/** Handlers for a reporter built without the token files (tests of other parts): each fails with `command_failed`. */
export function unavailableSecretsHandlers(): SecretsHandlers {
  const refuse = (): Promise<never> => Promise.reject(new ComfyCarryError("command_failed", "this reporter keeps no tokens from the edge"));
  return { "secrets.set": refuse, "secrets.clear": refuse };
}
