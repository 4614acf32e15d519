/** The node classes registered in this process: core classes, then loaded custom packs. */
import type { NodeClass } from "./types.js";

export class NodeRegistry {
  private readonly classes = new Map<string, NodeClass>();

  /** Adds a class; a later pack that declares the same name replaces it, as in ComfyUI. */
  register(nodeClass: NodeClass): void {
    this.classes.set(nodeClass.name, nodeClass);
  }

  get(name: string): NodeClass | undefined {
    return this.classes.get(name);
  }

  all(): NodeClass[] {
    return [...this.classes.values()];
  }
}
