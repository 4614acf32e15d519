import type { CurrentPrompt } from "@comfycarry/shared";

import type { PromptGraph } from "./schemas.js";
import type { StepProgress } from "./tqdm.js";

/** What the bridge knows about one prompt, from whichever sockets and polls saw it. */
export class TrackedPrompt {
  readonly promptId: string;
  graph: PromptGraph | null = null;
  startedAt: Date | null = null;
  /** ComfyUI's own `execution_start` timestamp in ms, for the run's duration. */
  startTimestamp: number | null = null;
  node: string | null = null;
  progress: StepProgress | null = null;
  /** Set once a `progress` frame arrived, after which tqdm lines from the log are ignored for it. */
  sawProgressFrames = false;
  /** Set once an `executing` frame arrived, after which `progress_state` frames are ignored for it. */
  sawExecuting = false;
  terminal = false;
  readonly cached = new Set<string>();
  readonly finishedNodes = new Set<string>();
  /** Keys of events already emitted, so a frame seen on several sockets is reported once. */
  readonly emitted = new Set<string>();

  constructor(promptId: string) {
    this.promptId = promptId;
  }

  classOf(node: string | null): string | null {
    if (node === null) {
      return null;
    }
    return this.graph?.[node]?.class_type ?? null;
  }

  /** `prompt_id`, `nodes_done` and `node_count` as every prompt event carries them. */
  position(): { prompt_id: string; nodes_done: number; node_count: number } {
    const nodeCount = this.graph === null ? 0 : Object.keys(this.graph).length;
    const done = new Set([...this.cached, ...this.finishedNodes]).size;
    return { prompt_id: this.promptId, nodes_done: nodeCount === 0 ? done : Math.min(done, nodeCount), node_count: nodeCount };
  }

  toCurrent(): CurrentPrompt {
    return {
      ...this.position(),
      started_at: this.startedAt?.toISOString() ?? null,
      node: this.node,
      node_class: this.classOf(this.node),
      progress: this.progress,
    };
  }
}
