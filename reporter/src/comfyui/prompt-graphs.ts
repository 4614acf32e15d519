import { inputSources } from "./graph-ancestry.js";
import type { PromptGraph, Queue } from "./schemas.js";

/** Graphs kept at most; the oldest entry is dropped first. */
const GRAPH_LIMIT = 256;

/** Pending prompts whose graphs a /queue read stores, counted from the front of the queue. */
const PENDING_GRAPHS = 16;

/**
 * Prompt graphs learned before the prompt runs: from the `POST /prompt` bodies the proxy
 * forwards and from /queue reads. Per node only `class_type` and the ids of the nodes it takes
 * input from are kept, since the events need nothing else.
 */
export class PromptGraphs {
  readonly #graphs = new Map<string, PromptGraph>();

  get(promptId: string): PromptGraph | null {
    return this.#graphs.get(promptId) ?? null;
  }

  has(promptId: string): boolean {
    return this.#graphs.has(promptId);
  }

  /** Stores a prompt's graph; a prompt stored again moves to the newest place. */
  store(promptId: string, graph: PromptGraph): void {
    this.#graphs.delete(promptId);
    this.#graphs.set(promptId, classesOf(graph));
    for (const id of this.#graphs.keys()) {
      if (this.#graphs.size <= GRAPH_LIMIT) {
        break;
      }
      this.#graphs.delete(id);
    }
  }

  /** Stores the graphs of the running prompt and of the next pending ones. */
  storeQueue(queue: Queue): void {
    for (const item of [...queue.queue_running, ...queue.queue_pending.slice(0, PENDING_GRAPHS)]) {
      if (!this.#graphs.has(item.promptId)) {
        this.store(item.promptId, item.graph);
      }
    }
  }
}

/**
 * Returns the graph with only each node's `class_type` and, as `inputs_from`, the nodes its
 * inputs link to, so a stored graph costs a few bytes per node.
 */
export function classesOf(graph: PromptGraph): PromptGraph {
  const classes: PromptGraph = {};
  for (const [node, entry] of Object.entries(graph)) {
    const stored: PromptGraph[string] = entry.class_type === undefined ? {} : { class_type: entry.class_type };
    const sources = inputSources(graph, node);
    if (sources.length > 0) {
      stored.inputs_from = sources;
    }
    classes[node] = stored;
  }
  return classes;
}
