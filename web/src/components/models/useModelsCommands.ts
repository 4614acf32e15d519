import { modelsCommands, parseValue } from "@comfycarry/shared";
import { toValue } from "vue";

import { postCommand } from "../../api/edge";

import type { ApiFailure } from "../../api/client";
import type { WireError } from "@comfycarry/shared";
import type { MaybeRefOrGetter } from "vue";
import type { z } from "zod";

export type ModelsCommandName = keyof typeof modelsCommands;
export type ModelsArgs<N extends ModelsCommandName> = z.input<(typeof modelsCommands)[N]["args"]>;
export type ModelsResult<N extends ModelsCommandName> = z.output<(typeof modelsCommands)[N]["result"]>;

/** A command's outcome: the parsed result, or the failure from the edge, the reporter or the client. */
export type ModelsOutcome<N extends ModelsCommandName> = { ok: true; value: ModelsResult<N> } | { ok: false; error: ApiFailure | WireError };

/** Sends Models commands to one instance and parses each result with the command's schema. */
export function useModelsCommands(instanceId: MaybeRefOrGetter<string>) {
  async function run<N extends ModelsCommandName>(name: N, args: ModelsArgs<N>): Promise<ModelsOutcome<N>> {
    const response = await postCommand(toValue(instanceId), name, args);
    if (!response.ok) {
      return { ok: false, error: response.error };
    }
    if (!response.value.ok) {
      return { ok: false, error: response.value.error };
    }

    const parsed = parseValue(modelsCommands[name].result, response.value.data);
    if (!parsed.ok) {
      return { ok: false, error: { code: "invalid_response", message: `${name}: ${parsed.issues}`, status: null } };
    }
    return { ok: true, value: parsed.value as ModelsResult<N> };
  }

  return { run };
}
