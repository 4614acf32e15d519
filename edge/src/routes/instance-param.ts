/** @module Reads the `:id` path parameter as an instance id. */
import { ComfyCarryError, instanceIdSchema } from "@comfycarry/shared";

/** Returns `raw` when it has the shape of an instance id, or throws `not_found`. */
export function instanceIdParam(raw: string): string {
  const parsed = instanceIdSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ComfyCarryError("not_found", `no instance with id ${JSON.stringify(raw.slice(0, 80))}`);
  }
  return parsed.data;
}
