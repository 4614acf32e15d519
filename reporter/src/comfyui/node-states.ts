import { isRecord } from "./plain-checks.js";

/** The node states a `progress_state` frame lists for one prompt. */
export interface NodeStates {
  prompt_id: string;
  /** The node that runs now, or null between nodes. */
  running: string | null;
  /** Nodes that finished, in the frame's order. */
  finished: string[];
}

/**
 * Reads a `progress_state` frame's data, or returns null when a field the bridge reads is
 * missing or of the wrong type. ComfyUI lists every node that is no longer pending, keyed by
 * node id, with `state` set to `running` or `finished` (`error` exists too and counts as
 * neither). When several nodes run at once, the first one without a `parent_node_id` is
 * taken: a node inside a subgraph names its parent there, and only top-level nodes are in the
 * prompt's graph. NOTE: no subgraph run has been checked against real ComfyUI.
 *
 * Plain checks rather than zod, for the same reason as `readProgressFrame`: the frame comes
 * with every step of a sampler.
 */
export function readNodeStates(data: unknown): NodeStates | null {
  if (!isRecord(data) || typeof data.prompt_id !== "string" || !isRecord(data.nodes)) {
    return null;
  }

  const running: string[] = [];
  let topLevel: string | null = null;
  const finished: string[] = [];
  for (const [nodeId, entry] of Object.entries(data.nodes)) {
    if (!isRecord(entry)) {
      return null;
    }
    if (entry.state === "running") {
      running.push(nodeId);
      if (topLevel === null && (entry.parent_node_id === null || entry.parent_node_id === undefined)) {
        topLevel = nodeId;
      }
    } else if (entry.state === "finished") {
      finished.push(nodeId);
    }
  }
  return { prompt_id: data.prompt_id, running: topLevel ?? running[0] ?? null, finished };
}
