/**
 * @module Arguments of secret-carrying commands (`sync.config.set`, `secrets.set`) as the
 * command table stores them: every field the command does not list as visible is encrypted
 * with the secrets key, bound to the command id and field name. Durable Object storage thus
 * never contains a secret in clear while the command waits to be re-sent. Visible fields such as
 * `mode` stay readable for the audit entry written when the command settles.
 */
import { SECRET_COMMAND_VISIBLE_ARGS, carriesSecret } from "@comfycarry/shared";
import type { CommandName } from "@comfycarry/shared";
import { z } from "zod";

import type { Env } from "../env.js";
import { openText, sealText } from "../secrets/cipher.js";

const sealedFieldSchema = z.strictObject({ $sealed: z.string() });

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fieldLabel(commandId: string, field: string): string {
  return `command:${commandId}:${field}`;
}

/** Returns `args` ready for storage: unchanged for ordinary commands, secret fields sealed for the others. */
export async function sealArgs(env: Env, commandId: string, name: CommandName, args: unknown): Promise<unknown> {
  if (!carriesSecret(name) || !isRecord(args)) {
    return args;
  }
  const visible = SECRET_COMMAND_VISIBLE_ARGS[name] ?? [];
  const entries = await Promise.all(
    Object.entries(args).map(async ([field, value]): Promise<[string, unknown]> => {
      if (visible.includes(field)) {
        return [field, value];
      }
      return [field, { $sealed: await sealText(env, fieldLabel(commandId, field), JSON.stringify(value)) }];
    }),
  );
  return Object.fromEntries(entries);
}

/** Reverses {@link sealArgs} for a re-send; throws `internal_error` when a field no longer decrypts. */
export async function openArgs(env: Env, commandId: string, name: CommandName, stored: unknown): Promise<unknown> {
  if (!carriesSecret(name) || !isRecord(stored)) {
    return stored;
  }
  const entries = await Promise.all(
    Object.entries(stored).map(async ([field, value]): Promise<[string, unknown]> => {
      const sealed = sealedFieldSchema.safeParse(value);
      if (!sealed.success) {
        return [field, value];
      }
      const text = await openText(env, fieldLabel(commandId, field), sealed.data.$sealed, `argument ${field} of command ${commandId}`);
      return [field, JSON.parse(text)];
    }),
  );
  return Object.fromEntries(entries);
}
