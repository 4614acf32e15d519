/**
 * @module Writes audit entries from the Worker and instance objects to the fleet object. A
 * failed write is logged, never thrown: the action it describes has already happened.
 */
import { SECRET_COMMAND_VISIBLE_ARGS, carriesSecret, commandSchemas, isCommandName } from "@comfycarry/shared";
import type { AuditActor, AuditEntry } from "@comfycarry/shared";

import { z } from "zod";

import { fleetStub } from "../env.js";
import type { Env } from "../env.js";
import { errorFields, log } from "../log.js";

/** Argument keys whose values are never stored, whatever command carries them. */
const SECRET_KEY_PATTERN = /token|secret|password|passphrase|key|conf|credential|authorization|cookie/i;

/** Longer argument texts are cut, so one command cannot bloat the log. */
const MAX_ARGS_CHARS = 2_000;

/** Returns `value` with every field whose name looks secret replaced by "[redacted]", at any depth. */
export function redactArgs(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(redactArgs);
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, SECRET_KEY_PATTERN.test(key) ? "[redacted]" : redactArgs(inner)]));
  }
  return value;
}

/**
 * Returns whether `value` may be shown as field `key` of command `action`. The command must list
 * the field as visible and the value must parse as that field, so a secret pasted into the wrong
 * field of a rejected request stays hidden too.
 */
function isVisible(action: string, key: string, value: unknown): boolean {
  if (!(SECRET_COMMAND_VISIBLE_ARGS[action] ?? []).includes(key) || !isCommandName(action)) {
    return false;
  }
  const schema: z.ZodType = commandSchemas[action].args;
  const field = schema instanceof z.ZodObject ? schema.shape[key] : undefined;
  return field instanceof z.ZodType && field.safeParse(value).success;
}

/**
 * Returns the arguments of a secret-carrying command with every field it does not list as
 * visible replaced by "[redacted]", whatever the field is called. Arguments of such a command
 * that are not an object (a malformed request) are dropped whole. Other commands get {@link redactArgs}.
 */
export function redactCommandArgs(action: string, args: unknown): unknown {
  if (!carriesSecret(action)) {
    return redactArgs(args);
  }
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    return "[redacted]";
  }
  return Object.fromEntries(Object.entries(args).map(([key, inner]) => [key, isVisible(action, key, inner) ? inner : "[redacted]"]));
}

function boundedArgs(action: string, args: unknown): unknown {
  if (args === undefined || args === null) {
    return null;
  }
  const redacted = redactCommandArgs(action, args);
  const text = JSON.stringify(redacted);
  return text.length > MAX_ARGS_CHARS ? { truncated: text.slice(0, MAX_ARGS_CHARS) } : redacted;
}

export type AuditInput = { actor: AuditActor; instanceId: string | null; action: string; args?: unknown; result: AuditEntry["result"] };

/** Records one audit entry at the current time. */
export async function recordAudit(env: Env, input: AuditInput): Promise<void> {
  try {
    await fleetStub(env).recordAudit({ at: Date.now(), actor: input.actor, instanceId: input.instanceId, action: input.action, args: boundedArgs(input.action, input.args), result: input.result });
  } catch (err) {
    log.error({ err: errorFields(err), action: input.action, instanceId: input.instanceId }, "could not write an audit entry");
  }
}
