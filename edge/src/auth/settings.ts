/** @module Reads the edge's Worker secrets and explains how to set one that is missing. */
import { ComfyCarryError } from "@comfycarry/shared";

import type { Env } from "../env.js";

type SecretSetting = "DASHBOARD_PASSWORD" | "SESSION_SECRET" | "SECRETS_KEY";

/** Keys shorter than this are too easy to guess. */
export const MIN_KEY_LENGTH = 32;
/** Kept under its old name for callers that check the session key. */
export const MIN_SESSION_SECRET_LENGTH = MIN_KEY_LENGTH;

function howToSet(name: SecretSetting): string {
  return `set it with \`npx -w edge wrangler secret put ${name}\` (edge/scripts/deploy.mjs generates it), or for local dev add ${name}=… to edge/.dev.vars and restart \`wrangler dev\``;
}

/** Returns the secret `name`, or throws `internal_error` naming the setting and how to set it. */
export function requireSecret(env: Env, name: SecretSetting): string {
  const value = env[name];
  if (value === undefined || value === "") {
    throw new ComfyCarryError("internal_error", `${name} is not set on the edge: ${howToSet(name)}`, { setting: name });
  }
  if (name !== "DASHBOARD_PASSWORD" && value.length < MIN_KEY_LENGTH) {
    throw new ComfyCarryError("internal_error", `${name} is ${value.length} characters long but must be at least ${MIN_KEY_LENGTH}: ${howToSet(name)}`, {
      setting: name,
    });
  }
  return value;
}

/** Returns a setting that may be absent, treating "" as absent. */
export function optionalSetting(value: string | undefined): string | null {
  return value === undefined || value === "" ? null : value;
}
