import { isRecord } from "./plain-checks.js";
import type { PromptGraph } from "./schemas.js";

/**
 * Returns the ids of the nodes that `node`'s inputs link to. A stored graph lists them in
 * `inputs_from`. In ComfyUI's API format a link is an input written `[node_id, output_index]`.
 */
export function inputSources(graph: PromptGraph, node: string): string[] {
  const entry = graph[node];
  const stored = entry?.inputs_from;
  if (Array.isArray(stored)) {
    return stored.filter((source): source is string => typeof source === "string");
  }

  const inputs = entry?.inputs;
  if (!isRecord(inputs)) {
    return [];
  }
  const sources = new Set<string>();
  for (const value of Object.values(inputs)) {
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "number" && value[0] in graph) {
      sources.add(value[0]);
    }
  }
  return [...sources];
}

/**
 * Returns the nodes `node` takes input from, directly or through other nodes. A node starts
 * only after those have run or come from the cache, so while it runs they are done.
 */
export function upstreamNodes(graph: PromptGraph, node: string): Set<string> {
  const found = new Set<string>();
  const pending = [node];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for (const source of inputSources(graph, current)) {
      if (!found.has(source)) {
        found.add(source);
        pending.push(source);
      }
    }
  }
  return found;
}
