import { readFileSync } from "node:fs";

import { overviewSchema } from "@comfycarry/shared";
import type { Overview } from "@comfycarry/shared";

const example = overviewSchema.parse(JSON.parse(readFileSync(new URL("../../../shared/examples/overview.example.json", import.meta.url), "utf8")));

/** A valid overview (the protocol's example) for the given instance. */
export function exampleOverview(instanceId = "gpu-1"): Overview {
  return { ...structuredClone(example), instance_id: instanceId, captured_at: new Date().toISOString() };
}
