/**
 * @module Creates instances and hands out reporter tokens: by the owner (`POST /api/instances`)
 * and by a container with an enrollment key (`POST /api/enroll`), which takes over an
 * existing instance when it names one.
 */
import { ComfyCarryError, toUtcTimestamp } from "@comfycarry/shared";
import type { EnrollRequest, EnrollResponse } from "@comfycarry/shared";

import { generateInstanceToken, hashCredential } from "../auth/token.js";
import { fleetStub, instanceStub } from "../env.js";
import type { Env } from "../env.js";
import { log } from "../log.js";
import { newInstanceId } from "./instance-id.js";
import type { InstanceRecord } from "./instance-registry.js";
import type { CreateInstanceResponse } from "./schemas.js";

/** A six-character suffix from 36 symbols collides rarely; a few retries make failure practically impossible. */
const MAX_ID_ATTEMPTS = 5;

/** Name of an instance enrolled without a name and without a host name. */
const UNNAMED_INSTANCE = "instance";

function idExhausted(name: string): ComfyCarryError {
  return new ComfyCarryError("internal_error", `could not find a free instance id for ${JSON.stringify(name)} after ${MAX_ID_ATTEMPTS} attempts`);
}

function freshRecord(name: string): InstanceRecord {
  return { instance_id: newInstanceId(name), name, created_at: toUtcTimestamp() };
}

/** Registers a new instance named `name` and returns its id and reporter token (shown only here). */
export async function enrollInstance(env: Env, name: string): Promise<CreateInstanceResponse> {
  const token = generateInstanceToken();
  const tokenHash = await hashCredential(token);
  const fleet = fleetStub(env);

  for (let attempt = 1; attempt <= MAX_ID_ATTEMPTS; attempt++) {
    const record = freshRecord(name);
    if (!(await fleet.addInstance(record, tokenHash))) {
      continue;
    }

    // The instance object learns its id and name here, so its routes can return 404 for ids never enrolled.
    await instanceStub(env, record.instance_id).register(record.instance_id, name, record.created_at);
    log.info({ instanceId: record.instance_id, attempt }, "instance enrolled");
    return { instance_id: record.instance_id, name, token };
  }
  throw idExhausted(name);
}

/**
 * Enrolls a container. With a name that an instance already has, that instance gets a new
 * token and its current reporter is closed with `replaced` before this returns; otherwise a
 * new instance is created (named after the host when no name is given).
 */
export async function enrollContainer(env: Env, request: EnrollRequest): Promise<EnrollResponse> {
  if (request.name === undefined) {
    const hostName = request.host?.hostname.trim().slice(0, 64) ?? "";
    const created = await enrollInstance(env, hostName === "" ? UNNAMED_INSTANCE : hostName);
    return { ...created, replaced: false };
  }

  const name = request.name;
  const token = generateInstanceToken();
  const tokenHash = await hashCredential(token);
  const fleet = fleetStub(env);
  for (let attempt = 1; attempt <= MAX_ID_ATTEMPTS; attempt++) {
    const outcome = await fleet.enrollByName(name, tokenHash, freshRecord(name));
    if (outcome === null) {
      continue;
    }

    const { instance, replaced } = outcome;
    const stub = instanceStub(env, instance.instance_id);
    if (replaced) {
      const closed = await stub.closeReporters({ code: "replaced", message: `another container enrolled as ${JSON.stringify(name)} and took over instance ${instance.instance_id}` });
      log.info({ instanceId: instance.instance_id, closedReporters: closed }, "enrollment took over an existing instance");
    } else {
      await stub.register(instance.instance_id, name, instance.created_at);
      log.info({ instanceId: instance.instance_id, attempt }, "instance enrolled with an enrollment key");
    }
    return { instance_id: instance.instance_id, name: instance.name, token, replaced };
  }
  throw idExhausted(name);
}
