/** @module Gathers every registered instance's status from its Durable Object. */
import { toUtcTimestamp } from "@comfycarry/shared";
import type { FleetInstanceStatus, FleetStatus } from "@comfycarry/shared";

import type { Env } from "../env.js";
import { fleetStub, instanceStub } from "../env.js";

/** Returns the status of every registered instance, in registration order. */
export async function collectFleetStatus(env: Env): Promise<FleetStatus> {
  const records = await fleetStub(env).listInstances();
  const statuses = await Promise.all(records.map((record) => instanceStub(env, record.instance_id).fleetStatus()));
  return {
    generated_at: toUtcTimestamp(),
    instances: statuses.filter((status): status is FleetInstanceStatus => status !== null),
  };
}
