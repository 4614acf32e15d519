/**
 * @module Writes audit entries from the Worker and instance objects to the fleet object. A
 * failed write is logged, never thrown: the action it describes has already happened.
 */
import type { AuditActor, AuditEntry } from "@comfycarry/shared";

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

function boundedArgs(args: unknown): unknown {
  if (args === undefined || args === null) {
    return null;
  }
  const redacted = redactArgs(args);
  const text = JSON.stringify(redacted);
  return text.length > MAX_ARGS_CHARS ? { truncated: text.slice(0, MAX_ARGS_CHARS) } : redacted;
}

export type AuditInput = { actor: AuditActor; instanceId: string | null; action: string; args?: unknown; result: AuditEntry["result"] };

/** Records one audit entry at the current time. */
export async function recordAudit(env: Env, input: AuditInput): Promise<void> {
  try {
    await fleetStub(env).recordAudit({ at: Date.now(), actor: input.actor, instanceId: input.instanceId, action: input.action, args: boundedArgs(input.args), result: input.result });
  } catch (err) {
    log.error({ err: errorFields(err), action: input.action, instanceId: input.instanceId }, "could not write an audit entry");
  }
}
