import { arch, cpus, hostname, platform, totalmem } from "node:os";
import { join } from "node:path";

import { ComfyCarryError, instanceNameSchema } from "@comfycarry/shared";
import type { EnrollRequest } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import { exchangeEnrollmentKey } from "./exchange.js";
import type { Fetch } from "./exchange.js";
import { readStoredIdentity, storeIdentity } from "./stored-identity.js";

// Enrollment with a reusable on-start line: `EDGE_URL` + `ENROLL_KEY` (+ `INSTANCE_NAME`).
// With no token configured, the reporter trades the key for its own token once, stores it
// under the state dir, and hands the rest of startup the same variables a manually
// configured reporter would have (COMFYCARRY_INSTANCE_ID, COMFYCARRY_TOKEN_FILE).

export { enrollUrl, exchangeEnrollmentKey } from "./exchange.js";
export { readStoredIdentity, storeIdentity, TOKEN_FILE_NAME, INSTANCE_ID_FILE_NAME } from "./stored-identity.js";

type Environment = Record<string, string | undefined>;

function set(env: Environment, name: string): string | null {
  const value = env[name];
  return value === undefined || value === "" ? null : value;
}

/** Returns the state dir the reporter uses, with the same default as config/load.ts. */
function stateDirOf(env: Environment): string {
  return set(env, "COMFYCARRY_STATE_DIR") ?? join(set(env, "WORKSPACE_DIR") ?? "/workspace", ".comfycarry");
}

function instanceNameOf(env: Environment): string | undefined {
  const raw = set(env, "INSTANCE_NAME");
  if (raw === null) {
    return undefined;
  }
  const parsed = instanceNameSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ComfyCarryError("invalid_arguments", `INSTANCE_NAME is invalid: "${raw.slice(0, 80)}" (${parsed.error.issues[0]?.message ?? "bad value"}). Set it to 1–64 visible characters, or leave it unset for a new instance each time.`, {
      variable: "INSTANCE_NAME",
    });
  }
  return parsed.data;
}

/** Facts about this container for the edge's records; GPUs are not sampled yet at this point. */
function hostFacts(): NonNullable<EnrollRequest["host"]> {
  const cores = cpus();
  return {
    hostname: hostname().slice(0, 255),
    platform: platform(),
    arch: arch(),
    node_version: process.version,
    cpu_model: (cores[0]?.model ?? "unknown").trim().slice(0, 255),
    cpu_cores: Math.max(1, cores.length),
    memory_total_bytes: totalmem(),
    gpu_names: [],
  };
}

/**
 * Returns `env` with COMFYCARRY_INSTANCE_ID and COMFYCARRY_TOKEN_FILE filled in from an earlier
 * or a new enrollment. Returns `env` unchanged when a token is configured directly or no
 * ENROLL_KEY is set. Throws `unauthorized` when the edge refuses the key.
 */
export async function withEnrollment(env: Environment, log: Logger, fetchImpl?: Fetch): Promise<Environment> {
  const key = set(env, "ENROLL_KEY");
  if (key === null || set(env, "COMFYCARRY_INSTANCE_TOKEN") !== null || set(env, "COMFYCARRY_TOKEN_FILE") !== null) {
    return env;
  }
  const edgeUrl = set(env, "EDGE_URL");
  if (edgeUrl === null) {
    throw new ComfyCarryError("invalid_arguments", "ENROLL_KEY is set but EDGE_URL is not. Set EDGE_URL to the edge's address, e.g. https://comfycarry.example.workers.dev.", { variable: "EDGE_URL" });
  }

  const stateDir = stateDirOf(env);
  const stored = await readStoredIdentity(stateDir);
  if (stored !== null) {
    log.info({ instanceId: stored.instanceId, stateDir }, "reusing the instance token stored by an earlier enrollment");
    return { ...env, COMFYCARRY_INSTANCE_ID: stored.instanceId, COMFYCARRY_TOKEN_FILE: stored.tokenFile };
  }

  const name = instanceNameOf(env);
  const enrolled = await exchangeEnrollmentKey(edgeUrl, key, { name, host: hostFacts() }, fetchImpl);
  const identity = await storeIdentity(stateDir, enrolled.instance_id, enrolled.token);
  log.info({ instanceId: enrolled.instance_id, name: enrolled.name, tookOver: enrolled.replaced }, "enrolled with the edge; token stored with mode 0600");
  return { ...env, COMFYCARRY_INSTANCE_ID: identity.instanceId, COMFYCARRY_TOKEN_FILE: identity.tokenFile };
}
