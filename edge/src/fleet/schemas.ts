/**
 * @module Bodies of `POST /api/instances`. The schemas live in shared/src/security.ts, where
 * the dashboard reads them too; these names stay for the edge's existing imports.
 */
import { MAX_INSTANCE_NAME_LENGTH, instanceCreateRequestSchema, instanceIdSchema } from "@comfycarry/shared";
import { z } from "zod";

export { MAX_INSTANCE_NAME_LENGTH };

export const createInstanceRequestSchema = instanceCreateRequestSchema;

export const createInstanceResponseSchema = z.object({
  instance_id: instanceIdSchema,
  name: z.string(),
  /** The reporter token, returned only here; the edge keeps its SHA-256 hash. */
  token: z.string(),
});
export type CreateInstanceResponse = z.infer<typeof createInstanceResponseSchema>;
