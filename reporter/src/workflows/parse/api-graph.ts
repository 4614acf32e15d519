/** Reads ComfyUI's API format: the prompt graph `{ "<id>": { class_type, inputs } }`. */
import { z } from "zod";

import { PRIMITIVE_VALUE_CLASSES } from "./core-nodes.js";
import type { FlatNode } from "./flat-node.js";
import { MAX_LINK_DEPTH } from "./flat-node.js";

const apiNodeSchema = z.looseObject({
  class_type: z.string().min(1),
  inputs: z.record(z.string(), z.unknown()).default({}),
});
export const apiGraphSchema = z.record(z.string(), apiNodeSchema);
type ApiGraph = z.infer<typeof apiGraphSchema>;

/** Returns the origin node id of a linked input (`[origin id, output slot]`), or null for a literal value. */
function linkOrigin(value: unknown): string | null {
  if (Array.isArray(value) && value.length === 2 && (typeof value[0] === "string" || typeof value[0] === "number") && typeof value[1] === "number") {
    return String(value[0]);
  }
  return null;
}

function resolve(graph: ApiGraph, value: unknown, depth: number): unknown {
  const origin = linkOrigin(value);
  if (origin === null) {
    return value;
  }
  const node = graph[origin];
  if (node === undefined || depth > MAX_LINK_DEPTH || !PRIMITIVE_VALUE_CLASSES.has(node.class_type)) {
    return undefined;
  }
  return resolve(graph, node.inputs["value"], depth + 1);
}

/** Flattens an API graph. The API export drops muted and bypassed nodes, so every node is active. */
export function flattenApiGraph(graph: ApiGraph): FlatNode[] {
  return Object.entries(graph).map(([id, node]) => ({
    id,
    classType: node.class_type,
    mode: "active",
    properties: {},
    value: (name) => resolve(graph, node.inputs[name], 0),
    namedValues: () =>
      Object.entries(node.inputs).flatMap(([name, raw]): Array<[string, unknown]> => {
        const value = resolve(graph, raw, 0);
        return value === undefined ? [] : [[name, value]];
      }),
  }));
}
