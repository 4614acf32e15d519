/**
 * @module Bodies of `POST /api/instances`. They stay in the edge until the enrollment flow
 * settles; the demo and tests read the same field names from the edge API contract.
 */
import { instanceIdSchema } from "@comfycarry/shared";
import { z } from "zod";

export const MAX_INSTANCE_NAME_LENGTH = 64;

export const createInstanceRequestSchema = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1, "a name of at least one visible character")
    .max(MAX_INSTANCE_NAME_LENGTH, `a name of at most ${MAX_INSTANCE_NAME_LENGTH} characters`),
});

export const createInstanceResponseSchema = z.object({
  instance_id: instanceIdSchema,
  name: z.string(),
  /** The reporter token, returned only here; the edge keeps its SHA-256 hash. */
  token: z.string(),
});
export type CreateInstanceResponse = z.infer<typeof createInstanceResponseSchema>;
