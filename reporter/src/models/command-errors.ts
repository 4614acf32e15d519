import { ComfyCarryError } from "@comfycarry/shared";

import { asFailure } from "../downloads/failure.js";

/**
 * Turns anything a download-side call threw into a command error: a `ComfyCarryError` stays
 * as it is, and a download failure becomes `download_failed` with its code as `params.reason`.
 */
export function toCommandError(error: unknown): ComfyCarryError {
  if (error instanceof ComfyCarryError) {
    return error;
  }
  const failure = asFailure(error);
  return new ComfyCarryError("download_failed", failure.message, { ...failure.params, reason: failure.code });
}

/** Runs `work` and rethrows its failure as a command error. */
export async function asCommand<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toCommandError(error);
  }
}
