/** Node output caching keyed by input signature, with ComfyUI's classic, LRU and none policies. */
import { statSync } from "node:fs";

import type { SimConfig } from "../config.js";
import { pyJsonDumps } from "../py/format.js";
import { isDict, type PyDict, type PyValue } from "../py/value.js";
import type { NodeResult } from "../nodes/types.js";

/** Computes a node's signature from its class, widget values and upstream signatures. */
export function signatures(prompt: PyDict, fileOf: (nodeId: string) => string | null): Map<string, string> {
  const result = new Map<string, string>();
  const visiting = new Set<string>();

  const signatureOf = (nodeId: string): string => {
    const known = result.get(nodeId);
    if (known !== undefined) {
      return known;
    }
    if (visiting.has(nodeId)) {
      return `cycle:${nodeId}`;
    }
    visiting.add(nodeId);
    const node = prompt.get(nodeId);
    const inputs = isDict(node) && isDict(node.get("inputs")) ? (node.get("inputs") as PyDict) : new Map<string, PyValue>();
    const parts: PyValue[] = [isDict(node) ? (node.get("class_type") ?? null) : null];
    for (const [name, value] of inputs) {
      if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && prompt.has(value[0])) {
        parts.push([name, signatureOf(value[0]), value[1] ?? null]);
      } else {
        parts.push([name, value]);
      }
    }
    // Like LoadImage's IS_CHANGED: a changed input file invalidates the cached result.
    const file = fileOf(nodeId);
    if (file !== null) {
      try {
        const stat = statSync(file);
        parts.push(["file", `${stat.size}:${stat.mtimeMs}`]);
      } catch {
        parts.push(["file", "missing"]);
      }
    }
    const signature = pyJsonDumps(parts);
    result.set(nodeId, signature);
    visiting.delete(nodeId);
    return signature;
  };

  for (const nodeId of prompt.keys()) {
    signatureOf(nodeId);
  }
  return result;
}

export class OutputCache {
  private readonly entries = new Map<string, NodeResult>();

  constructor(private readonly policy: SimConfig["cache"]) {}

  get(signature: string): NodeResult | undefined {
    if (this.policy.kind === "none") {
      return undefined;
    }
    const found = this.entries.get(signature);
    if (found !== undefined && this.policy.kind === "lru") {
      this.entries.delete(signature);
      this.entries.set(signature, found);
    }
    return found;
  }

  set(signature: string, result: NodeResult): void {
    if (this.policy.kind === "none") {
      return;
    }
    this.entries.delete(signature);
    this.entries.set(signature, result);
    if (this.policy.kind === "lru") {
      while (this.entries.size > this.policy.size) {
        const oldest = this.entries.keys().next();
        if (oldest.done === true) {
          break;
        }
        this.entries.delete(oldest.value);
      }
    }
  }

  /** Classic caching keeps only the latest prompt's results. */
  retainOnly(keep: Set<string>): void {
    if (this.policy.kind !== "classic") {
      return;
    }
    for (const signature of [...this.entries.keys()]) {
      if (!keep.has(signature)) {
        this.entries.delete(signature);
      }
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
