/** @module Creates an instance: registry row, instance object and a one-time reporter token. */
import { ComfyCarryError, toUtcTimestamp } from "@comfycarry/shared";

import { generateInstanceToken, hashInstanceToken } from "../auth/token.js";
import { fleetStub, instanceStub } from "../env.js";
import type { Env } from "../env.js";
import { log } from "../log.js";
import { newInstanceId } from "./instance-id.js";
import type { CreateInstanceResponse } from "./schemas.js";

/** A six-character suffix from 36 symbols collides rarely; a few retries make failure practically impossible. */
const MAX_ID_ATTEMPTS = 5;

/** Registers a new instance named `name` and returns its id and reporter token (shown only here). */
export async function enrollInstance(env: Env, name: string): Promise<CreateInstanceResponse> {
  const token = generateInstanceToken();
  const tokenHash = await hashInstanceToken(token);
  const createdAt = toUtcTimestamp();
  const fleet = fleetStub(env);

  for (let attempt = 1; attempt <= MAX_ID_ATTEMPTS; attempt++) {
    const instanceId = newInstanceId(name);
    const added = await fleet.addInstance({ instance_id: instanceId, name, created_at: createdAt }, tokenHash);
    if (!added) {
      continue;
    }

    // The instance object learns its id and name here, so its routes can return 404 for ids never enrolled.
    await instanceStub(env, instanceId).register(instanceId, name, createdAt);
    log.info({ instanceId, attempt }, "instance enrolled");
    return { instance_id: instanceId, name, token };
  }

  throw new ComfyCarryError("internal_error", `could not find a free instance id for ${JSON.stringify(name)} after ${MAX_ID_ATTEMPTS} attempts`);
}
