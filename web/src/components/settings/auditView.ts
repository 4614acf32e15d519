import { COMMAND_NAMES } from "@comfycarry/shared";

import type { AuditEntry } from "@comfycarry/shared";

/** Security actions the edge records besides commands; the filter offers them with the command names. */
export const SECURITY_ACTIONS = [
  "owner.password_change",
  "owner.sign_out_everywhere",
  "api_token.create",
  "api_token.revoke",
  "enrollment_key.create",
  "enrollment_key.revoke",
  "enroll",
  "instance.create",
  "instance.rename",
  "instance.remove",
  "instance.token_rotate",
  "instance.token_revoke",
  "secret.set",
  "secret.clear",
] as const;

/** Returns every action the filter offers, security actions first. */
export function knownActions(): string[] {
  return [...SECURITY_ACTIONS, ...COMMAND_NAMES];
}

/** Maximum length of the arguments shown in a row; the full text is in the row's tooltip. */
const ARGS_PREVIEW_CHARS = 160;

/** Returns the arguments of an entry as one line of JSON, shortened, or "" when it had none. */
export function argsText(entry: AuditEntry): string {
  if (entry.args === null || entry.args === undefined) {
    return "";
  }
  const text = JSON.stringify(entry.args);
  return text.length > ARGS_PREVIEW_CHARS ? `${text.slice(0, ARGS_PREVIEW_CHARS - 1)}…` : text;
}
