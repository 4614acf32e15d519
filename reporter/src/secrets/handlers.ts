import { ComfyCarryError } from "@comfycarry/shared";
import type { ReporterTokenName } from "@comfycarry/shared";

import type { CommandHandlers } from "../commands/executor.js";
import type { TokenFiles } from "./token-files.js";

export type SecretsCommandName = "secrets.set" | "secrets.clear";
export type SecretsHandlers = Pick<CommandHandlers, SecretsCommandName>;

/** Called after a token was stored (`value`) or cleared (null), so features holding a copy follow. */
export type TokenChangeListener = (name: ReporterTokenName, value: string | null) => void;

/** `secrets.set` and `secrets.clear`: the edge handing this instance a token, or taking it back. */
export function createSecretsHandlers(tokens: TokenFiles, onChange?: TokenChangeListener): SecretsHandlers {
  return {
    "secrets.set": async ({ name, value }) => {
      const sha256 = await tokens.set(name, value);
      onChange?.(name, value);
      return { name, sha256 };
    },
    "secrets.clear": async ({ name }) => {
      const cleared = await tokens.clear(name);
      onChange?.(name, null);
      return { name, cleared };
    },
  };
}

/** Handlers for a reporter built without the token files (tests of other parts): each fails with `command_failed`. */
export function unavailableSecretsHandlers(): SecretsHandlers {
  const refuse = (): Promise<never> => Promise.reject(new ComfyCarryError("command_failed", "this reporter keeps no tokens from the edge"));
  return { "secrets.set": refuse, "secrets.clear": refuse };
}
