import { parseValue, syncCommands } from "@comfycarry/shared";
import { toValue } from "vue";

import { postCommand } from "../../api/edge";

import type { ApiFailure } from "../../api/client";
import type { WireError } from "@comfycarry/shared";
import type { MaybeRefOrGetter } from "vue";
import type { z } from "zod";

export type SyncCommandName = keyof typeof syncCommands;
export type SyncArgs<N extends SyncCommandName> = z.input<(typeof syncCommands)[N]["args"]>;
export type SyncResult<N extends SyncCommandName> = z.output<(typeof syncCommands)[N]["result"]>;

/** A command's outcome: the parsed result, or the failure from the edge, the reporter or the client. */
export type SyncOutcome<N extends SyncCommandName> = { ok: true; value: SyncResult<N> } | { ok: false; error: ApiFailure | WireError };

/**
 * Sends sync commands to one instance over HTTP and parses each result with the
 * command's schema, so the page only receives data of the right shape.
 */
export function useSyncCommands(instanceId: MaybeRefOrGetter<string>) {
  async function run<N extends SyncCommandName>(name: N, args: SyncArgs<N>): Promise<SyncOutcome<N>> {
    const response = await postCommand(toValue(instanceId), name, args);
    if (!response.ok) {
      return { ok: false, error: response.error };
    }
    if (!response.value.ok) {
      return { ok: false, error: response.value.error };
    }

    const parsed = parseValue(syncCommands[name].result, response.value.data);
    if (!parsed.ok) {
      return { ok: false, error: { code: "invalid_response", message: `${name}: ${parsed.issues}`, status: null } };
    }
    return { ok: true, value: parsed.value as SyncResult<N> };
  }

  return { run };
}
