import { PROMPT_LOST_EXCEPTION, toUtcTimestamp } from "@comfycarry/shared";
import type { CurrentPrompt, ProtocolEvent } from "@comfycarry/shared";

import type { Logger } from "../log/logger.js";
import { upstreamNodes } from "./graph-ancestry.js";
import { terminalFromHistory } from "./history-outcome.js";
import type { Terminal } from "./history-outcome.js";
import { PromptGraphs } from "./prompt-graphs.js";
import { readNodeStates } from "./node-states.js";
import { readProgressData } from "./progress-frame.js";
import { TrackedPrompt } from "./prompt-state.js";
import { frameDataSchemas } from "./schemas.js";
import type { FrameData, HistoryEntry, Queue, WsFrame } from "./schemas.js";
import type { StepProgress } from "./tqdm.js";

/** Finished prompts remembered so late duplicates from other sockets are dropped. */
const RECENT_LIMIT = 64;

/**
 * Turns ComfyUI's reports about prompts (its /ws frames, /queue, /history and tqdm log
 * lines) into protocol events. Frames of one prompt can arrive on several sockets
 * (the reporter's own and every proxied one), so each event is emitted once per prompt.
 * The tracker does no I/O. The bridge feeds it and collects the prompts that need a /history look-up.
 */
export class PromptTracker {
  readonly #emit: (event: ProtocolEvent) => void;
  readonly #log: Logger;
  readonly #graphs: PromptGraphs;
  #current: TrackedPrompt | null = null;
  readonly #recent = new Map<string, TrackedPrompt>();
  readonly #lookups = new Set<string>();
  #queue = { running: 0, pending: 0 };
  #lastActivity: Date | null = null;

  /** `graphs` supplies the graph of each prompt the tracker meets for the first time. */
  constructor(emit: (event: ProtocolEvent) => void, log: Logger, graphs = new PromptGraphs()) {
    this.#emit = emit;
    this.#log = log;
    this.#graphs = graphs;
  }

  get current(): CurrentPrompt | null {
    return this.#current?.toCurrent() ?? null;
  }

  get queueCounts(): { running: number; pending: number } {
    return { ...this.#queue };
  }

  get lastActivityAt(): string | null {
    return this.#lastActivity?.toISOString() ?? null;
  }

  /** Whether a tqdm line would be used now: a prompt runs and no progress frame of it arrived. */
  get wantsLogProgress(): boolean {
    const prompt = this.#current;
    return prompt !== null && !prompt.terminal && !prompt.sawProgressFrames;
  }

  /**
   * Whether a `progress_state` frame would be used now: a prompt runs and no `executing` frame
   * of it arrived. ComfyUI sends `executing` only to the client that queued the prompt, but
   * broadcasts `progress_state` for a prompt queued without a client id.
   */
  get wantsNodeStates(): boolean {
    const prompt = this.#current;
    return prompt !== null && !prompt.terminal && !prompt.sawExecuting;
  }

  /** Whether the running prompt's graph is still unknown, so the bridge should read /queue. */
  get needsGraph(): boolean {
    return this.#current !== null && this.#current.graph === null;
  }

  /** Returns whether the prompt is the current one or a recently finished one. */
  tracks(promptId: string): boolean {
    return this.#current?.promptId === promptId || this.#recent.has(promptId);
  }

  /** Gives a tracked prompt that has no graph yet the one the graph store now contains. */
  adoptGraph(promptId: string): void {
    const prompt = this.#current?.promptId === promptId ? this.#current : (this.#recent.get(promptId) ?? null);
    if (prompt !== null) {
      prompt.graph ??= this.#graphs.get(promptId);
    }
  }

  /** Prompts that left the queue without a terminal frame; the bridge reads their /history. */
  takeLookups(): string[] {
    const ids = [...this.#lookups];
    this.#lookups.clear();
    return ids;
  }

  /** Applies one ComfyUI /ws frame; `source` names the socket for the logs. */
  onFrame(frame: WsFrame, source: string): void {
    switch (frame.type) {
      case "execution_start":
        this.#with(frame, "execution_start", (data) => this.#start(data.prompt_id, data.timestamp ?? null, source));
        break;
      case "execution_cached":
        this.#with(frame, "execution_cached", (data) => {
          const prompt = this.#prompt(data.prompt_id);
          data.nodes.forEach((node) => prompt.cached.add(node));
        });
        break;
      case "executing":
        this.#with(frame, "executing", (data) => this.#executing(data));
        break;
      case "progress":
        this.#onProgress(frame);
        break;
      case "progress_state":
        this.#onNodeStates(frame);
        break;
      case "executed":
        this.#with(frame, "executed", (data) => this.#executed(data));
        break;
      case "execution_success":
        this.#with(frame, "execution_success", (data) => this.#finish(data.prompt_id, { kind: "success", timestamp: data.timestamp ?? null }));
        break;
      case "execution_error":
        this.#with(frame, "execution_error", (data) =>
          this.#finish(data.prompt_id, {
            kind: "error",
            node: data.node_id ?? null,
            nodeType: data.node_type ?? null,
            exceptionType: data.exception_type,
            exceptionMessage: data.exception_message,
          }),
        );
        break;
      case "execution_interrupted":
        this.#with(frame, "execution_interrupted", (data) =>
          this.#finish(data.prompt_id, { kind: "interrupted", node: data.node_id ?? null, nodeType: data.node_type ?? null }),
        );
        break;
    }
  }

  /** Applies a /queue read: counts, the running prompt and prompts that left it. */
  onQueue(queue: Queue): void {
    this.#setQueueCounts({ running: queue.queue_running.length, pending: queue.queue_pending.length });

    const running = queue.queue_running[0] ?? null;
    const current = this.#current;
    const queued = queue.queue_pending.some((item) => item.promptId === current?.promptId);
    if (current !== null && !current.terminal && current.promptId !== running?.promptId && !queued) {
      this.#lookups.add(current.promptId);
    }
    if (running === null || this.#recent.has(running.promptId)) {
      return;
    }

    const prompt = this.#prompt(running.promptId);
    prompt.graph ??= running.graph;
    if (!prompt.emitted.has("start")) {
      this.#log.debug({ promptId: prompt.promptId, source: "queue" }, "running prompt found through /queue (fallback)");
      this.#start(prompt.promptId, null, "queue");
    }
  }

  /** Finishes a prompt from its /history entry; null means ComfyUI has no record of it any more. */
  onHistory(promptId: string, entry: HistoryEntry | null): void {
    const prompt = this.#current?.promptId === promptId ? this.#current : (this.#recent.get(promptId) ?? null);
    if (prompt === null || prompt.terminal) {
      return;
    }
    this.#log.debug({ promptId, source: "history", found: entry !== null }, "finishing prompt from /history (fallback)");
    this.#finish(promptId, terminalFromHistory(entry));
  }

  /** Ends the current prompt as lost, e.g. when ComfyUI's process stopped and its queue went with it. */
  abandonCurrent(reason: string): void {
    const prompt = this.#current;
    if (prompt === null || prompt.terminal) {
      return;
    }
    this.#log.warn({ promptId: prompt.promptId, reason }, "ending the running prompt as lost");
    this.#finish(prompt.promptId, { kind: "error", node: prompt.node, nodeType: null, exceptionType: PROMPT_LOST_EXCEPTION, exceptionMessage: reason });
  }

  /**
   * Sets the queue counts to zero after ComfyUI's process stopped, because ComfyUI keeps its
   * queue in memory and none of it survives. The next /queue read sets the real counts again.
   */
  clearQueue(): void {
    this.#setQueueCounts({ running: 0, pending: 0 });
  }

  /** Stores the queue counts and emits `comfyui.queue` when they changed. */
  #setQueueCounts(counts: { running: number; pending: number }): void {
    if (counts.running === this.#queue.running && counts.pending === this.#queue.pending) {
      return;
    }
    this.#queue = counts;
    this.#emit({ kind: "comfyui.queue", at: toUtcTimestamp(), queue_running: counts.running, queue_pending: counts.pending });
  }

  /** Applies a tqdm bar from ComfyUI's log, used only for prompts that send no `progress` frames to us. */
  onLogProgress(progress: StepProgress): void {
    const prompt = this.#current;
    if (prompt === null || !this.wantsLogProgress) {
      return;
    }
    this.#log.trace({ promptId: prompt.promptId, source: "log", ...progress }, "step progress from the log (fallback)");
    this.#progress(prompt, progress, prompt.node);
  }

  #onProgress(frame: WsFrame): void {
    const data = readProgressData(frame.data);
    if (data === null) {
      this.#log.debug({ type: frame.type }, "ComfyUI frame without the expected fields, ignored");
      return;
    }
    const prompt = data.prompt_id === undefined ? this.#current : this.#prompt(data.prompt_id);
    if (prompt !== null) {
      prompt.sawProgressFrames = true;
      this.#progress(prompt, { value: data.value, max: data.max }, data.node ?? prompt.node);
    }
  }

  /** Follows the nodes of a prompt whose `executing` frames the reporter does not receive. */
  #onNodeStates(frame: WsFrame): void {
    const states = readNodeStates(frame.data);
    if (states === null) {
      this.#log.debug({ type: frame.type }, "ComfyUI frame without the expected fields, ignored");
      return;
    }
    const prompt = this.#prompt(states.prompt_id);
    if (prompt.terminal || prompt.sawExecuting) {
      return;
    }
    if (!prompt.emitted.has("start")) {
      this.#start(prompt.promptId, null, "progress_state");
    }

    // Cached nodes are not listed, but a running node's inputs have all run or come from the cache.
    states.finished.forEach((node) => prompt.finishedNodes.add(node));
    if (states.running !== null && prompt.graph !== null) {
      upstreamNodes(prompt.graph, states.running).forEach((node) => prompt.finishedNodes.add(node));
    }
    if (states.running === null || states.running === prompt.node) {
      return;
    }
    prompt.node = states.running;
    prompt.progress = null;
    const key = `executing:${states.running}`;
    if (!prompt.emitted.has(key)) {
      prompt.emitted.add(key);
      this.#push({ kind: "comfyui.executing", at: toUtcTimestamp(), ...prompt.position(), node: states.running, node_class: prompt.classOf(states.running) });
    }
  }

  #with<T extends keyof typeof frameDataSchemas>(frame: WsFrame, type: T, apply: (data: FrameData<T>) => void): void {
    const parsed = frameDataSchemas[type].safeParse(frame.data);
    if (!parsed.success) {
      this.#log.debug({ type }, "ComfyUI frame without the expected fields, ignored");
      return;
    }
    apply(parsed.data as FrameData<T>);
  }

  /** Returns the prompt, making it current when it is new; a replaced unfinished prompt is queued for /history. */
  #prompt(promptId: string): TrackedPrompt {
    if (this.#current?.promptId === promptId) {
      return this.#current;
    }
    const recent = this.#recent.get(promptId);
    if (recent !== undefined) {
      return recent;
    }

    if (this.#current !== null && !this.#current.terminal) {
      this.#lookups.add(this.#current.promptId);
      this.#remember(this.#current);
    }
    const prompt = new TrackedPrompt(promptId);
    prompt.graph = this.#graphs.get(promptId);
    this.#current = prompt;
    return prompt;
  }

  #start(promptId: string, timestamp: number | null, source: string): void {
    const prompt = this.#prompt(promptId);
    if (timestamp !== null) {
      prompt.startTimestamp ??= timestamp;
    }
    if (prompt.terminal || prompt.emitted.has("start")) {
      return;
    }
    prompt.emitted.add("start");
    prompt.startedAt = new Date();
    this.#log.info({ promptId, source }, "prompt started");
    this.#push({ kind: "comfyui.execution_start", at: toUtcTimestamp(), ...prompt.position() });
  }

  #executing(data: FrameData<"executing">): void {
    const prompt = data.prompt_id === undefined ? this.#current : this.#prompt(data.prompt_id);
    if (prompt === null || prompt.terminal) {
      return;
    }
    prompt.sawExecuting = true;
    if (!prompt.emitted.has("start")) {
      this.#start(prompt.promptId, null, "executing");
    }
    if (prompt.node !== null && prompt.node !== data.node) {
      prompt.finishedNodes.add(prompt.node);
    }
    if (data.node === null || prompt.node === data.node) {
      prompt.node = data.node;
      return;
    }

    prompt.node = data.node;
    prompt.progress = null;
    const key = `executing:${data.node}`;
    if (prompt.emitted.has(key)) {
      return;
    }
    prompt.emitted.add(key);
    this.#push({ kind: "comfyui.executing", at: toUtcTimestamp(), ...prompt.position(), node: data.node, node_class: prompt.classOf(data.node) });
  }

  #progress(prompt: TrackedPrompt, progress: StepProgress, node: string | null): void {
    if (prompt.terminal) {
      return;
    }
    const last = prompt.progress;
    if (last !== null && last.value === progress.value && last.max === progress.max && prompt.node === node) {
      return;
    }
    prompt.progress = progress;
    this.#push({ kind: "comfyui.progress", at: toUtcTimestamp(), ...prompt.position(), node, node_class: prompt.classOf(node), ...progress });
  }

  #executed(data: FrameData<"executed">): void {
    const prompt = this.#prompt(data.prompt_id);
    const key = `executed:${data.node}`;
    if (prompt.terminal || prompt.emitted.has(key)) {
      return;
    }
    prompt.emitted.add(key);
    const images = (data.output?.images ?? []).map(({ filename, subfolder, type }) => ({ filename, subfolder, type }));
    this.#push({ kind: "comfyui.executed", at: toUtcTimestamp(), ...prompt.position(), node: data.node, node_class: prompt.classOf(data.node), images });
  }

  #finish(promptId: string, terminal: Terminal): void {
    const prompt = this.#prompt(promptId);
    if (prompt.terminal) {
      return;
    }
    prompt.terminal = true;
    if (terminal.kind === "success") {
      // Prompts seen only through /queue and /history have no per-node frames; success means every node ran or was cached.
      Object.keys(prompt.graph ?? {}).forEach((node) => prompt.finishedNodes.add(node));
    }

    const at = toUtcTimestamp();
    const position = prompt.position();
    if (terminal.kind === "success") {
      const duration = prompt.startTimestamp !== null && terminal.timestamp !== null ? terminal.timestamp - prompt.startTimestamp : elapsedSince(prompt.startedAt);
      this.#push({ kind: "comfyui.execution_success", at, ...position, duration_ms: duration === null ? null : Math.max(0, duration) });
    } else if (terminal.kind === "error") {
      const node = terminal.node ?? prompt.node;
      this.#push({
        kind: "comfyui.execution_error",
        at,
        ...position,
        node,
        node_class: terminal.nodeType ?? prompt.classOf(node),
        exception_type: terminal.exceptionType,
        exception_message: terminal.exceptionMessage.slice(0, 4000),
      });
    } else {
      const node = terminal.node ?? prompt.node;
      this.#push({ kind: "comfyui.execution_interrupted", at, ...position, node, node_class: terminal.nodeType ?? prompt.classOf(node) });
    }
    this.#log.info({ promptId, outcome: terminal.kind }, "prompt finished");

    this.#remember(prompt);
    if (this.#current === prompt) {
      this.#current = null;
    }
  }

  #remember(prompt: TrackedPrompt): void {
    this.#recent.set(prompt.promptId, prompt);
    for (const id of this.#recent.keys()) {
      if (this.#recent.size <= RECENT_LIMIT) {
        break;
      }
      this.#recent.delete(id);
    }
  }

  #push(event: ProtocolEvent): void {
    this.#lastActivity = new Date();
    this.#emit(event);
  }
}

function elapsedSince(start: Date | null): number | null {
  return start === null ? null : Date.now() - start.getTime();
}
