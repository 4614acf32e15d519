/**
 * @module The internal way for a feature to get a stored secret for a job (a download that
 * needs the CivitAI token, a sync that needs rclone.conf). No route returns a secret; a
 * feature calls {@link secretForJob} in the Worker or an instance object and passes the value
 * straight into the frame it sends to the reporter.
 *
 * Rules for callers: never log the value or put it in an error, event, snapshot or audit
 * entry (audit/record.ts redacts argument keys that look secret, and every argument of a
 * command listed in `SECRET_COMMAND_VISIBLE_ARGS`, as a second line); send it only to the
 * reporter of the instance running the job. A command that carries a secret must be listed
 * there, so the command table stores its arguments sealed (instance/sealed-args.ts).
 * instance/secret-handoff.ts already hands the CivitAI and Hugging Face tokens and
 * rclone.conf to every reporter that connects.
 */
import type { SecretName } from "@comfycarry/shared";

import { fleetStub } from "../env.js";
import type { Env } from "../env.js";
import { decryptSecret, encryptSecret } from "./cipher.js";

/** Returns the stored secret `name` in plain text, or null when it is not set. */
export async function secretForJob(env: Env, name: SecretName): Promise<string | null> {
  const stored = await fleetStub(env).secretCiphertext(name);
  return stored === null ? null : decryptSecret(env, name, stored);
}

/**
 * Stores a new value that came back from a reporter, e.g. an rclone.conf that rclone rewrote
 * after refreshing OAuth tokens, so the next container starts from the fresh copy.
 */
export async function storeSecretFromReporter(env: Env, name: SecretName, value: string): Promise<void> {
  await fleetStub(env).setSecret(name, await encryptSecret(env, name, value), Date.now());
}
