import { commandResponseSchema, commandSchemas, MAX_COMMAND_DEADLINE_MS, parseValue } from "@comfycarry/shared";

import { requestJson } from "../api/client";

import type { ApiFailure } from "../api/client";
import type { CommandName, CommandResultData, WireError } from "@comfycarry/shared";
import type { z } from "zod";

// Typed commands for the ComfyUI and Plugins pages. The edge keeps the HTTP request open
// until the reporter returns, so the response is the result. Long waits (restarts, git
// clones) pass a deadline above the reporter's own wait.

/** The arguments a command accepts before the schema fills in defaults. */
export type CommandInput<N extends CommandName> = z.input<(typeof commandSchemas)[N]["args"]>;

/** A command's failure: the edge's or client's error, or the reporter's. */
export type CommandFailure = ApiFailure | WireError;

/** The outcome of one command: the parsed result, or the failure. */
export type CommandOutcome<N extends CommandName> = { ok: true; data: CommandResultData<N> } | { ok: false; error: CommandFailure };

/** Extra time the edge and the network get on top of a reporter-side wait. */
const DEADLINE_MARGIN_MS = 30_000;

/** Returns a deadline that outlasts a reporter wait of `waitS` seconds, within the edge's limit. */
export function deadlineFor(waitS: number): number {
  return Math.min(MAX_COMMAND_DEADLINE_MS, waitS * 1000 + DEADLINE_MARGIN_MS);
}

/** Options of one command. */
export interface CommandOptions {
  /** Deadline in ms; the edge's default (30 s) when absent. */
  deadlineMs?: number;
  signal?: AbortSignal;
}

/** Sends one allowlisted command to an instance and parses its result with the shared schema. */
export async function sendCommand<N extends CommandName>(instanceId: string, name: N, args: CommandInput<N>, options: CommandOptions = {}): Promise<CommandOutcome<N>> {
  const body = options.deadlineMs === undefined ? { name, args } : { name, args, deadline_ms: options.deadlineMs };
  const response = await requestJson("POST", `/api/instances/${encodeURIComponent(instanceId)}/commands`, commandResponseSchema, { body, signal: options.signal });
  if (!response.ok) {
    return { ok: false, error: response.error };
  }
  if (!response.value.ok) {
    return { ok: false, error: response.value.error };
  }

  // The indexed schema is exactly CommandResultData<N>; TypeScript cannot narrow a union indexed by a generic.
  const schema = commandSchemas[name].result as unknown as z.ZodType<CommandResultData<N>>;
  const parsed = parseValue(schema, response.value.data);
  if (!parsed.ok) {
    return { ok: false, error: { code: "invalid_response", message: `${name}: ${parsed.issues}`, status: null } };
  }
  return { ok: true, data: parsed.value };
}

/** Returns the launch option a rejection names (`params.option`), or null. */
export function rejectedOption(error: CommandFailure): string | null {
  const option = error.params?.option;
  return typeof option === "string" ? option : null;
}
