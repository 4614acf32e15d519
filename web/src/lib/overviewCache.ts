import { instanceListSchema } from "@comfycarry/shared/messages";
import { instanceOverviewSchema } from "@comfycarry/shared/overview";
import { parseValue } from "@comfycarry/shared/parse";
import { z } from "zod";

import type { InstanceOverview, InstanceSummary } from "@comfycarry/shared";

// The last overview per instance, kept in localStorage so a page can draw at once on
// entry and then update in place. A stored value is parsed like any inbound body: an
// entry from an older dashboard that no longer fits the schema is dropped.

const PREFIX = "comfycarry.overview.";
const FLEET_KEY = "comfycarry.fleet";

const cachedOverviewSchema = z.object({ overview: instanceOverviewSchema, received_at_ms: z.number() });

/** An overview as cached, with the local time it arrived. */
export interface CachedOverview {
  overview: InstanceOverview;
  receivedAtMs: number;
}

/** Reads and parses a JSON value from storage; anything unreadable reads as absent. */
function readJson(storage: Storage, key: string): unknown {
  try {
    const text = storage.getItem(key);
    if (text === null) {
      return null;
    }
    const value: unknown = JSON.parse(text);
    return value;
  } catch {
    return null;
  }
}

/** Writes a JSON value; a full or blocked storage only costs the zero-wait start. */
function writeJson(storage: Storage, key: string, value: unknown): void {
  try {
    storage.setItem(key, JSON.stringify(value));
  } catch {
    // Quota exceeded or storage disabled: the page still works, it only starts empty.
  }
}

/** Returns the cached overview of an instance, or null. */
export function readCachedOverview(instanceId: string, storage: Storage = localStorage): CachedOverview | null {
  const parsed = parseValue(cachedOverviewSchema, readJson(storage, PREFIX + instanceId));
  if (!parsed.ok) {
    return null;
  }
  return { overview: parsed.value.overview, receivedAtMs: parsed.value.received_at_ms };
}

/** Stores the latest overview of an instance. */
export function writeCachedOverview(instanceId: string, overview: InstanceOverview, receivedAtMs: number, storage: Storage = localStorage): void {
  writeJson(storage, PREFIX + instanceId, { overview, received_at_ms: receivedAtMs });
}

/** Returns the cached fleet list, or an empty list. */
export function readCachedFleet(storage: Storage = localStorage): InstanceSummary[] {
  const parsed = parseValue(instanceListSchema, readJson(storage, FLEET_KEY));
  return parsed.ok ? parsed.value.instances : [];
}

/** Stores the fleet list. */
export function writeCachedFleet(instances: InstanceSummary[], storage: Storage = localStorage): void {
  writeJson(storage, FLEET_KEY, { instances });
}

/** Removes every cached overview and the fleet list, as on logout. */
export function clearCache(storage: Storage = localStorage): void {
  const keys: string[] = [];
  for (let index = 0; index < storage.length; index += 1) {
    const key = storage.key(index);
    if (key !== null && (key.startsWith(PREFIX) || key === FLEET_KEY)) {
      keys.push(key);
    }
  }
  for (const key of keys) {
    storage.removeItem(key);
  }
}
