/** @module Reads the auth secrets and explains how to set one that is missing. */
import { ComfyCarryError } from "@comfycarry/shared";

import type { Env } from "../env.js";

type SecretName = "DASHBOARD_PASSWORD" | "SESSION_SECRET";

/** HMAC keys shorter than this are too easy to guess. */
export const MIN_SESSION_SECRET_LENGTH = 32;

function howToSet(name: SecretName): string {
  return `set it with \`npx -w edge wrangler secret put ${name}\`, or for local dev add ${name}=… to edge/.dev.vars and restart \`wrangler dev\``;
}

/** Returns the secret `name`, or throws `internal_error` naming the setting and how to set it. */
export function requireSecret(env: Env, name: SecretName): string {
  const value = env[name];
  if (value === undefined || value === "") {
    throw new ComfyCarryError("internal_error", `${name} is not set on the edge: ${howToSet(name)}`, { setting: name });
  }
  if (name === "SESSION_SECRET" && value.length < MIN_SESSION_SECRET_LENGTH) {
    throw new ComfyCarryError(
      "internal_error",
      `SESSION_SECRET is ${value.length} characters long but must be at least ${MIN_SESSION_SECRET_LENGTH}: ${howToSet(name)}`,
      { setting: name },
    );
  }
  return value;
}
