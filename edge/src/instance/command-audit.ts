/**
 * @module Audit entries for commands, written to the fleet object when a command settles (with
 * the reporter's result or a timeout) or is refused before it was sent. The caller of each
 * pending command is kept in this object's KV storage until then, so a command that outlives
 * hibernation is still attributed.
 */
import { commandSchemas } from "@comfycarry/shared";
import type { CommandName, ErrorCode } from "@comfycarry/shared";
import { z } from "zod";

import { socketActorSchema } from "../auth/actor.js";
import { recordAudit } from "../audit/record.js";
import type { Env } from "../env.js";

const KEY_PREFIX = "command-actor:";

/**
 * Sender of a command: a browser's or HTTP caller's actor, or the edge itself (handing a stored
 * secret to a reporter). It is kept apart from `SocketActor`, which the Worker passes in a
 * header, so no request can claim to be the edge.
 */
export const commandActorSchema = z.union([socketActorSchema, z.object({ kind: z.literal("system"), name: z.string(), scope: z.literal("admin") })]);
export type CommandActor = z.infer<typeof commandActorSchema>;

/** Stands in for a caller that was not recorded (a command opened before auditing existed). */
const UNKNOWN_ACTOR: CommandActor = { kind: "owner", name: "owner", scope: "admin" };

export class CommandAudit {
  constructor(
    private readonly instanceId: string,
    private readonly kv: SyncKvStorage,
    private readonly env: Env,
  ) {}

  /** Keeps who sent a pending command. */
  remember(commandId: string, actor: CommandActor): void {
    this.kv.put(`${KEY_PREFIX}${commandId}`, actor);
  }

  /** Records a command that ran to an end: "ok", the reporter's error code, or `command_timeout`. */
  async settled(commandId: string, name: CommandName, args: unknown, result: "ok" | ErrorCode): Promise<void> {
    const key = `${KEY_PREFIX}${commandId}`;
    const parsed = commandActorSchema.safeParse(this.kv.get(key));
    this.kv.delete(key);
    const actor = parsed.success ? parsed.data : UNKNOWN_ACTOR;
    await recordAudit(this.env, { actor: { kind: actor.kind, name: actor.name }, instanceId: this.instanceId, action: name, args, result });
  }

  /** Records a command refused before it reached the reporter (scope, arguments, offline). */
  async refused(actor: CommandActor, name: CommandName, args: unknown, code: ErrorCode): Promise<void> {
    await recordAudit(this.env, { actor: { kind: actor.kind, name: actor.name }, instanceId: this.instanceId, action: name, args, result: code });
  }
}

/** Returns the `forbidden` error when `actor` may not send command `name`, else null. */
export function scopeError(actor: CommandActor, name: CommandName): { code: "forbidden"; message: string; params: Record<string, string> } | null {
  const needed = commandSchemas[name].scope;
  const rank = { read: 0, control: 1, admin: 2 } as const;
  if (rank[actor.scope] >= rank[needed]) {
    return null;
  }
  return { code: "forbidden", message: `command ${name} needs the ${needed} scope; this caller has ${actor.scope}`, params: { needed, held: actor.scope } };
}
