/**
 * @module Tells every instance that the owner set or cleared a secret, so each connected
 * reporter that takes it gets the new value (or loses the old one) without reconnecting. Only
 * the name crosses to the instance objects; each reads the value itself right before sending.
 */
import { REPORTER_TOKEN_NAMES } from "@comfycarry/shared";
import type { SecretName } from "@comfycarry/shared";

import { fleetStub, instanceStub } from "../env.js";
import type { Env } from "../env.js";
import { errorFields, log } from "../log.js";

/** Returns how many reporters were sent the change; an instance that fails is logged and skipped. */
export async function offerToReporters(env: Env, name: SecretName): Promise<number> {
  // The Cloudflare token is for the edge's own jobs; no reporter keeps it.
  if (!(REPORTER_TOKEN_NAMES as readonly string[]).includes(name) && name !== "rclone_conf") {
    return 0;
  }
  const instances = await fleetStub(env).listInstances();
  const outcomes = await Promise.allSettled(instances.map((instance) => instanceStub(env, instance.instance_id).offerSecret(name)));

  let sent = 0;
  for (const [index, outcome] of outcomes.entries()) {
    if (outcome.status === "fulfilled") {
      sent += outcome.value ? 1 : 0;
    } else {
      log.error({ instanceId: instances[index]?.instance_id ?? null, name, err: errorFields(outcome.reason) }, "could not offer a changed secret to an instance");
    }
  }
  log.info({ name, instances: instances.length, sent }, "offered a changed secret to connected reporters");
  return sent;
}
