/** @module Bindings and settings of the edge Worker, as wrangler.toml and the secrets define them. */
import type { FleetObject } from "./fleet/fleet-object.js";
import type { InstanceObject } from "./instance/instance-object.js";

export interface Env {
  /** One Durable Object per instance, addressed by `idFromName(instanceId)`. */
  INSTANCES: DurableObjectNamespace<InstanceObject>;
  /** The fleet registry: a single Durable Object named {@link FLEET_OBJECT_NAME}. */
  FLEET: DurableObjectNamespace<FleetObject>;
  /** The built dashboard (web/dist) served by Workers Static Assets. */
  ASSETS: Fetcher;
  /**
   * The owner password (a secret; `edge/.dev.vars` in local dev). Adopted on first use; a new
   * value later replaces the stored password (the reset path) and ends every session.
   */
  DASHBOARD_PASSWORD?: string;
  /**
   * One-time code for the first-run page, generated and printed by edge/scripts/deploy.mjs.
   * Used only while no owner password exists and DASHBOARD_PASSWORD is unset.
   */
  SETUP_CODE?: string;
  /** Key material (at least 32 characters) from which the AES-GCM key for stored secrets is derived. */
  SECRETS_KEY?: string;
  /** HMAC-SHA-256 key for session cookies and CSRF tokens (a secret). Login fails while it is unset. */
  SESSION_SECRET?: string;
  /**
   * Extra origins allowed on state-changing requests besides the request's own, comma-separated,
   * e.g. `http://localhost:5173` for a Vite dev server that proxies `/api` to the edge.
   */
  ALLOWED_ORIGINS?: string;
  /** CivitAI origin for the model search route (a var); https://civitai.com when unset. Tests point it at a stub. */
  CIVITAI_BASE_URL?: string;
  /** vast.ai API key (a secret) for reading an instance's hourly price; prices are typed in while it is unset. */
  VAST_API_KEY?: string;
  /** vast.ai API origin (a var); https://console.vast.ai when unset. Tests point it at a loopback fake. */
  VAST_BASE_URL?: string;
  /** RunPod API key (a secret) for reading a pod's hourly price. */
  RUNPOD_API_KEY?: string;
  /** RunPod REST API origin (a var); https://rest.runpod.io when unset. Tests point it at a loopback fake. */
  RUNPOD_BASE_URL?: string;
  /** "1" turns on the instance objects' usage counters and their route, for the edge-cost benchmark; unset in deployments. */
  COMFYCARRY_METER?: string;
}

/** Name of the single fleet registry object. */
export const FLEET_OBJECT_NAME = "fleet";

/** Returns the stub of the fleet registry. */
export function fleetStub(env: Env): DurableObjectStub<FleetObject> {
  return env.FLEET.get(env.FLEET.idFromName(FLEET_OBJECT_NAME));
}

/** Returns the stub of one instance's Durable Object. */
export function instanceStub(env: Env, instanceId: string): DurableObjectStub<InstanceObject> {
  return env.INSTANCES.get(env.INSTANCES.idFromName(instanceId));
}
