import { instanceOverviewSchema, overviewSchema } from "@comfycarry/shared";

import example from "../../../shared/examples/overview.example.json";

import type { Gpu, InstanceOverview, Overview } from "@comfycarry/shared";

/** Returns the protocol's overview example, parsed, as a fresh copy each call. */
export function exampleSnapshot(patch: Partial<Overview> = {}): Overview {
  return { ...overviewSchema.parse(structuredClone(example)), ...patch };
}

/** Returns an edge overview around the example snapshot. */
export function exampleOverview(patch: Partial<InstanceOverview> = {}, snapshot: Partial<Overview> = {}): InstanceOverview {
  const base = exampleSnapshot(snapshot);
  return instanceOverviewSchema.parse({
    instance_id: base.instance_id,
    online: true,
    last_seen_at: base.captured_at,
    offline_since: null,
    snapshot_age_ms: 0,
    snapshot: base,
    ...patch,
  });
}

/** Returns one GPU with the given VRAM use and temperature, the rest copied from the example. */
export function gpuWith(index: number, vramPercent: number, temperature: number): Gpu {
  const total = 24_000 * 1024 * 1024;
  const first = exampleSnapshot().system.gpus[0];
  if (first === undefined) {
    throw new Error("shared/examples/overview.example.json has no GPU");
  }
  return { ...first, index, uuid: `GPU-${index}`, temperature_c: temperature, memory_total_bytes: total, memory_used_bytes: (total * vramPercent) / 100 };
}
