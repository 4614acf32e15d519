/** The graph-independent view of one node that both workflow formats are turned into. */

export type NodeMode = "active" | "muted" | "bypassed";

export interface FlatNode {
  /** Node id; inside a subgraph `<instance id>:<inner id>`. */
  id: string;
  classType: string;
  mode: NodeMode;
  properties: Readonly<Record<string, unknown>>;
  /** Returns the value of a named input, with links from primitives and reroutes followed; undefined when unknown. */
  value(name: string): unknown;
  /** Returns every literal input value with its name; unnamed UI widgets are `widget_<index>`. */
  namedValues(): Array<[string, unknown]>;
}

/** LiteGraph's node modes: 2 is "never" (muted) and 4 is bypass; 0, 1 and 3 all run. */
export function modeOf(mode: number | undefined): NodeMode {
  if (mode === 2) {
    return "muted";
  }
  return mode === 4 ? "bypassed" : "active";
}

/** Links nest through reroutes and subgraphs; this bounds a malformed file that loops. */
export const MAX_LINK_DEPTH = 64;
