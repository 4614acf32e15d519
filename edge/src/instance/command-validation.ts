/** @module Checks a command request (HTTP body or browser frame) before it is relayed. */
import { COMMAND_NAMES, DEFAULT_COMMAND_DEADLINE_MS, MAX_COMMAND_DEADLINE_MS, commandSchemas, isCommandName, parseValue } from "@comfycarry/shared";
import type { CommandName, WireError } from "@comfycarry/shared";

/** A value or the wire error explaining why there is none. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: WireError };

export type CheckedCommand = { name: CommandName; args: unknown; deadlineMs: number };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Builds the error for a command request that failed its schema: `unknown_command` when the
 * name is a string outside the allowlist (so the caller learns which names exist), otherwise
 * `invalid_message` with the schema issues.
 */
export function describeInvalidCommand(raw: unknown, issues: string): WireError {
  if (isRecord(raw) && typeof raw.name === "string" && !isCommandName(raw.name)) {
    const name = raw.name.slice(0, 64);
    return {
      code: "unknown_command",
      message: `unknown command ${JSON.stringify(name)}; known commands: ${COMMAND_NAMES.join(", ")}`,
      params: { name },
    };
  }
  return { code: "invalid_message", message: `invalid command request: ${issues}` };
}

/** Parses the arguments against the command's own schema and resolves the deadline. */
export function checkCommand(name: CommandName, args: unknown, deadlineMs: number | undefined): Checked<CheckedCommand> {
  if (deadlineMs !== undefined && deadlineMs > MAX_COMMAND_DEADLINE_MS) {
    return {
      ok: false,
      error: {
        code: "invalid_message",
        message: `deadline_ms ${deadlineMs} is over the maximum of ${MAX_COMMAND_DEADLINE_MS}; ask for a shorter deadline`,
        params: { deadline_ms: deadlineMs, max: MAX_COMMAND_DEADLINE_MS },
      },
    };
  }

  // Commands without arguments may omit `args`; their schema is the empty object.
  const parsed = parseValue(commandSchemas[name].args, args ?? {});
  if (!parsed.ok) {
    return { ok: false, error: { code: "invalid_arguments", message: `invalid arguments for ${name}: ${parsed.issues}`, params: { name } } };
  }
  return { ok: true, value: { name, args: parsed.value, deadlineMs: deadlineMs ?? DEFAULT_COMMAND_DEADLINE_MS } };
}
