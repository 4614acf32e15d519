/** @module Reads the `:id` path parameter as a token or key id. */
import { ComfyCarryError, credentialIdSchema } from "@comfycarry/shared";

/** Returns `raw` when it has the shape of a credential id, or throws `not_found` naming `what`. */
export function credentialIdParam(raw: string, what: string): string {
  const parsed = credentialIdSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ComfyCarryError("not_found", `no ${what} with id ${JSON.stringify(raw.slice(0, 40))}`);
  }
  return parsed.data;
}
