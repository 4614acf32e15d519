/** The per-prompt node states behind `progress_state` messages. */
import { PyFloat, dict, type PyDict, type PyValue } from "../py/value.js";

interface NodeProgress {
  value: number | PyFloat;
  max: number | PyFloat;
  state: "running" | "finished" | "error";
}

export class ProgressState {
  private readonly nodes = new Map<string, NodeProgress>();

  constructor(private readonly promptId: string) {}

  start(nodeId: string): void {
    this.nodes.set(nodeId, { value: new PyFloat(0), max: new PyFloat(1), state: "running" });
  }

  update(nodeId: string, value: number, max: number): void {
    this.nodes.set(nodeId, { value, max, state: "running" });
  }

  /** Marks a node finished with its value at the maximum, as ComfyUI's registry does. */
  finish(nodeId: string): void {
    const current = this.nodes.get(nodeId);
    const max = current?.max ?? new PyFloat(1);
    this.nodes.set(nodeId, { value: max, max, state: "finished" });
  }

  /** Returns the `progress_state` payload: every node that is no longer pending. */
  payload(): PyDict {
    const nodes: PyDict = new Map();
    for (const [nodeId, progress] of this.nodes) {
      const entry: Array<[string, PyValue]> = [
        ["value", progress.value],
        ["max", progress.max],
        ["state", progress.state],
        ["node_id", nodeId],
        ["prompt_id", this.promptId],
        ["display_node_id", nodeId],
        ["parent_node_id", null],
        ["real_node_id", nodeId],
      ];
      nodes.set(nodeId, dict(entry));
    }
    return dict([
      ["prompt_id", this.promptId],
      ["nodes", nodes],
    ]);
  }
}
